// Target rounds (issue 19): the totals against top-down follow answers as they arrive,
// by polling the round's totals.json; the page works without it (reload).
(function () {
  var table = document.getElementById("totals");
  if (!table || !window.fetch) return;
  function refresh() {
    fetch(table.getAttribute("data-url"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        Object.keys(data.totals).forEach(function (kpi) {
          var row = table.querySelector('tr[data-kpi="' + kpi + '"]');
          if (!row) return;
          var t = data.totals[kpi];
          [["proposed", t.proposed], ["figure", t.figure], ["top-down", t.top_down],
           ["gap", t.gap], ["gap-share", t.gap_share], ["team", t.team],
           ["others", t.others],
           ["answered", t.answered + " / " + t.lines]].forEach(function (pair) {
            var cell = row.querySelector("." + pair[0]);
            if (cell && pair[1] !== undefined) cell.textContent = pair[1];
          });
        });
      }).catch(function () {});
  }
  setInterval(refresh, 3000);
})();
