// Disable a decision form's buttons once submitted, so a double click sends one decision.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.once === undefined) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  var clicked = event.submitter;
  if (clicked && clicked.name) {
    var keep = document.createElement("input");
    keep.type = "hidden"; keep.name = clicked.name; keep.value = clicked.value;
    form.appendChild(keep);
  }
  form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
});
