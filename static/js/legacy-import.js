// Legacy workbook import: follow the check or the import, then show the page's result.
// Our own static file (the CSP allows no inline script); texts come from the page.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-legacy-progress]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const done = box.querySelector("[data-legacy-done]");
  const total = box.querySelector("[data-legacy-total]");

  window.spheresFollow(box.dataset.legacyProgress, (data) => {
    bar.max = Math.max(data.total, 1);
    bar.value = data.running ? Math.min(data.done, bar.max) : bar.max;
    bar.textContent = `${data.done}`;
    done.textContent = data.running ? data.done : data.total;
    total.textContent = data.total;
    // Finished: the page itself shows the preview or the result.
    if (!data.running) window.location.reload();
    return data.running;
  });
});
