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

  async function poll() {
    let data;
    try {
      const response = await fetch(box.dataset.exportProgress, {
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
    const max = Math.max(data.rows_total, 1);
    bar.max = max;
    bar.value = data.status === "done" ? max : Math.min(data.rows_written, max);
    bar.textContent = `${data.percent} %`;
    written.textContent = data.status === "done" ? data.rows_total : data.rows_written;
    total.textContent = data.rows_total;
    if (data.download_url) link.href = data.download_url;
    show(data.status);
    if (OPEN.includes(data.status)) window.setTimeout(poll, 1000);
  }

  if (OPEN.includes(box.dataset.exportStatus)) poll();
});
