// Show every <time datetime> in the reader's own time zone; the server's text (UTC) stays as the fallback.
(function () {
  var fmt = new Intl.DateTimeFormat(undefined, {
    day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  document.querySelectorAll("time[datetime][data-mode]").forEach(function (el) {
    var at = new Date(el.getAttribute("datetime"));
    if (isNaN(at.getTime())) return;
    el.title = el.textContent;  // keep the UTC reading on hover
    el.textContent = fmt.format(at);
  });
})();
