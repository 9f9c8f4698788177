// Sphères: our own behaviour only (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first field in error so keyboard and screen-reader users land on it.
  const invalid = document.querySelector("[aria-invalid='true']") || document.getElementById("form-errors");
  if (invalid) invalid.focus();
  keepSessionWhileTyping();
});

// The session ends after a period without requests (data-session-idle, in seconds), and
// typing sends none: a long note would be lost on saving. While someone types in a form, ask
// the server now and then (the request renews the session); if a typed form sits unsaved near
// the limit, say so; if the session has ended, say that what was typed is not saved. No
// typing, no request: an unattended screen still signs out on time.
function keepSessionWhileTyping() {
  const body = document.body;
  const idle = Number(body.dataset.sessionIdle) * 1000;
  const url = body.dataset.keepaliveUrl;
  if (!idle || !url) return;
  const warning = document.getElementById("session-warning");
  const ended = document.getElementById("session-ended");
  const ping = idle / 6; // every 5 minutes of typing for a 30-minute limit
  let renewed = Date.now(); // the page's own request
  let typed = 0; // when someone last typed in a form that posts
  let unsaved = false;
  let over = false;

  async function renew() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
      if (response.status === 204) {
        renewed = Date.now();
        warning.hidden = true;
        return;
      }
    } catch (error) {
      return; // offline for a moment: try again at the next tick
    }
    over = true; // sent to the login page: signed out
    warning.hidden = true;
    ended.hidden = false;
  }

  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (!form || form.method !== "post") return;
    typed = Date.now();
    unsaved = true;
  });
  document.addEventListener("submit", () => { unsaved = false; });
  document.getElementById("session-stay").addEventListener("click", renew);

  setInterval(() => {
    if (over) return;
    const now = Date.now();
    if ((typed > renewed && now - renewed >= ping) || (unsaved && now - renewed >= idle)) {
      renew(); // at the limit, the answer says whether the session ended (another tab may have kept it)
    } else if (unsaved && now - renewed >= idle - ping) {
      warning.hidden = false;
    }
  }, Math.max(1000, ping / 5));
}
