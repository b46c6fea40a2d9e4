// A running campaign's page follows its progress (every two seconds, while it is scheduled or running).
(function () {
  'use strict';
  var box = document.getElementById('campaign-progress');
  if (!box || !box.dataset.live) return;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var timer = setInterval(function () {
    fetch(box.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (p) {
        if (!p) return;
        box.querySelectorAll('[data-progress]').forEach(function (node) {
          var value = p.progress[node.getAttribute('data-progress')];
          if (value !== undefined) node.textContent = numbers.format(value);
        });
        if (p.status !== 'scheduled' && p.status !== 'running') {
          clearInterval(timer);
          window.location.reload(); // the state and its actions changed
        }
      })
      .catch(function () { /* try again on the next tick */ });
  }, 2000);
})();
