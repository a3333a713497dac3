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
      var add = ev.submitter;
      if (add && add.hasAttribute("data-add-deal")) {  // a pipeline: one more deal
        var sets = form.querySelectorAll("fieldset.deal");
        var last = sets[sets.length - 1], fresh = last.cloneNode(true);
        var n = sets.length + 1;
        fresh.setAttribute("data-deal", String(n));
        fresh.querySelector("legend").textContent =
          add.getAttribute("data-deal-word").replace("#", String(n));
        fresh.querySelectorAll("input[inputmode=decimal]").forEach(function (i) {
          i.value = "";
        });
        fresh.querySelectorAll("datalist").forEach(function (d) { d.remove(); });
        last.after(fresh);
        if (n >= 9) { add.hidden = true; }
        var first = fresh.querySelector("input, select");
        if (first) { first.focus(); }
        return;
      }
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

  // the team page follows its own payees: a batch that moves one of them, and its
  // table, totals and trend are fetched again and put in place; the live region says
  // so. The poll sends back the last answer's ETag: while none of the team's payees
  // moved (another team's batch too), the answer is a 304 with no body
  var live = document.getElementById("team-live");
  if (live && window.DOMParser) {
    var version = live.getAttribute("data-version");
    var etag = null;
    var every = parseInt(live.getAttribute("data-every") || "2000", 10);
    var poll = function () {
      if (document.hidden) { setTimeout(poll, every); return; }
      var headers = { "Accept": "application/json" };
      if (etag) { headers["If-None-Match"] = etag; }
      fetch(live.getAttribute("data-url"), { credentials: "same-origin", headers: headers,
                                              cache: "no-store" })
        .then(function (r) {
          if (!r.ok) { return null; }  // 304: none of the team moved
          etag = r.headers.get("ETag");
          return r.json();
        })
        .then(function (data) {
          if (!data || String(data.version) === String(version)) { return null; }
          version = data.version;
          return fetch(window.location.href, { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(function (html) {
              var doc = new DOMParser().parseFromString(html, "text/html");
              ["team", "trend"].forEach(function (id) {
                var fresh = doc.getElementById(id), old = document.getElementById(id);
                if (fresh && old) { old.replaceWith(fresh); }
              });
              var total = doc.getElementById("team-total");
              live.textContent = (live.getAttribute("data-said") || "Team figures updated:") + " " +
                (total ? total.textContent.replace(/\s+/g, " ").trim() : "");
            });
        })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { setTimeout(poll, every); });
    };
    setTimeout(poll, every);
  }
}());
