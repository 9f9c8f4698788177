// Sphères: our own behaviour only (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first field in error so keyboard and screen-reader users land on it.
  const invalid = document.querySelector("[aria-invalid='true']") || document.getElementById("form-errors");
  if (invalid) invalid.focus();
});
