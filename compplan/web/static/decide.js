// compplan portal, issue 15: the estimator answers in place. Without this script the
// form is a plain GET that shows the page again at the answer (#estimate-answer).
// Nothing here works out pay: the server's answer (the engine's) is put in the page.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) { return; }
  document.querySelectorAll("form[data-answer]").forEach(function (form) {
    var box = document.getElementById(form.getAttribute("data-answer"));
    if (!box) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var params = new URLSearchParams(new FormData(form));
      params.set("format", "fragment");
      var url = form.getAttribute("action").split("#")[0] + "?" + params.toString();
      box.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          box.innerHTML = html;  // the server's own template, escaped there
          box.removeAttribute("aria-busy");
          if (box.getBoundingClientRect().bottom > window.innerHeight) {
            box.scrollIntoView({ block: "nearest" });
          }
        })
        .catch(function () { form.submit(); });  // offline or refused: the plain way
    });
  });
}());
