// Pages marked data-live poll /ui/changes and reload when a case opens or closes, an approval arrives
// or is decided, or a risk review opens; never while the person is typing in a form.
(function () {
  var root = document.querySelector("[data-live]");
  if (!root) return;
  var seen = null;
  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT");
  }
  function poll() {
    fetch("/ui/changes", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) return;
        if (seen === null) { seen = text; return; }
        if (text !== seen && !busy()) { window.location.reload(); }
      })
      .catch(function () { /* the server is restarting: try again next time */ });
  }
  poll();
  window.setInterval(poll, Number(root.dataset.live) || 5000);
})();
