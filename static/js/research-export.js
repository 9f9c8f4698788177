// Research export: follow the build's progress until the download link appears.
// Our own static file (the CSP allows no inline script); texts come from the page.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-export-progress]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const written = box.querySelector("[data-export-written]");
  const total = box.querySelector("[data-export-total]");
  const link = box.querySelector("[data-export-download]");
  const OPEN = ["queued", "running"];

  function show(status) {
    box.dataset.exportStatus = status;
    box.querySelectorAll("[data-export-state]").forEach((el) => {
      el.hidden = !el.dataset.exportState.split(" ").includes(status);
    });
  }

  if (!OPEN.includes(box.dataset.exportStatus)) return;
  window.spheresFollow(box.dataset.exportProgress, (data) => {
    const max = Math.max(data.rows_total, 1);
    bar.max = max;
    bar.value = data.status === "done" ? max : Math.min(data.rows_written, max);
    bar.textContent = `${data.percent} %`;
    written.textContent = data.status === "done" ? data.rows_total : data.rows_written;
    total.textContent = data.rows_total;
    if (data.download_url) link.href = data.download_url;
    show(data.status);
    return OPEN.includes(data.status);
  });
});
