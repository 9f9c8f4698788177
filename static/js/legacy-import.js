// Legacy workbook import: follow the check or the import, then show the page's result.
// Our own static file (the CSP allows no inline script); texts come from the page.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-legacy-progress]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const done = box.querySelector("[data-legacy-done]");
  const total = box.querySelector("[data-legacy-total]");

  async function poll() {
    let data;
    try {
      const response = await fetch(box.dataset.legacyProgress, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      window.setTimeout(poll, 3000);
      return;
    }
    bar.max = Math.max(data.total, 1);
    bar.value = data.running ? Math.min(data.done, bar.max) : bar.max;
    bar.textContent = `${data.done}`;
    done.textContent = data.running ? data.done : data.total;
    total.textContent = data.total;
    if (data.running) {
      window.setTimeout(poll, 1000);
    } else {
      // Finished: the page itself shows the preview or the result.
      window.location.reload();
    }
  }

  poll();
});
