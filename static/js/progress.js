// Follow a background task's progress (research export, legacy import): GET the JSON at `url`
// every second while `onData(data)` returns true, every 3 s after a failed request (network,
// restart). Our own static file: the CSP allows no inline script.
window.spheresFollow = function (url, onData) {
  async function poll() {
    let data;
    try {
      const response = await fetch(url, {
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
    if (onData(data)) window.setTimeout(poll, 1000);
  }
  poll();
};
