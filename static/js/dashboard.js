// Program dashboard: print with every data table open (our own script: the CSP allows no inline one).
(function () {
  "use strict";
  function openTables() {
    document.querySelectorAll("details.dashboard-data").forEach(function (details) {
      if (!details.open) {
        details.open = true;
        details.dataset.openedForPrint = "1";
      }
    });
  }
  function restoreTables() {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (details) {
      details.open = false;
      delete details.dataset.openedForPrint;
    });
  }
  window.addEventListener("beforeprint", openTables);
  window.addEventListener("afterprint", restoreTables);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      openTables();
      window.print();
    }
  });
})();
