// The program board: hovering or focusing a dependency string shows its reason in words below
// the board (the string's <title> is the tooltip; this also serves keyboard users).
(function () {
  var out = document.getElementById("reason");
  if (!out) return;
  var show = function (event) { out.textContent = event.currentTarget.getAttribute("data-reason"); };
  document.querySelectorAll(".string").forEach(function (s) {
    s.addEventListener("mouseenter", show);
    s.addEventListener("focus", show);
  });
})();
