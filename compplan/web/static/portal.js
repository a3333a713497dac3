// compplan portal: move a payee's figures as batches arrive, without a reload.
// The page polls its own small JSON view; the server answers from memory, worked out
// once per batch. Nothing here computes pay: it copies figures into the page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var url = live.getAttribute("data-url");
  var version = live.getAttribute("data-version");
  var etag = null;  // the last answer's: sent back, an unchanged one is a 304 (no body)
  var every = parseInt(live.getAttribute("data-every") || "2000", 10);
  var status = document.getElementById("live-status");

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) { el.textContent = value; }
  }

  function tiers(list) {
    var ul = document.getElementById("tiers");
    if (!ul || !list) { return; }
    while (ul.firstChild) { ul.removeChild(ul.firstChild); }
    list.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t.next_from
        ? "At " + t.now + " " + t.basis + " you are paid " + t.rate_now + "; from " +
          t.next_from + " it pays " + t.next_rate + " (" + t.to_go + " to go)."
        : "At " + t.now + " " + t.basis + " you are in the top tier: " + t.rate_now + ".";
      ul.appendChild(li);
    });
  }

  function show(data) {
    data.bars.forEach(function (b, i) {
      var bar = document.getElementById("bar-" + i);
      if (bar) { bar.value = b.fill; bar.textContent = b.shown; }
      text("bar-" + i + "-shown", b.shown);
      ["done", "earned", "stake", "thresholds"].forEach(function (k) {
        if (b[k]) { text("bar-" + i + "-" + k, b[k]); }
      });
    });
    data.earned.forEach(function (e) { text("earned-" + e.name, e.shown); });
    text("total", data.total);
    tiers(data.tiers);
    live.setAttribute("data-version", String(data.version));
    // the live region reads the new figures (issue 15), in the payee's words
    if (status) { status.textContent = data.said || ("Updated " + new Date().toLocaleTimeString()); }
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, every); return; }
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { credentials: "same-origin", headers: headers })
      .then(function (r) {
        if (!r.ok) { return null; }  // 304: nothing moved
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (data) {
        if (data && String(data.version) !== String(version)) {
          version = data.version;
          show(data);
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
}());
