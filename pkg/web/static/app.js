// seerrpilot status page: ask before a cancel. Everything works without this file.
"use strict";
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
