// A campaign's page: its live progress and cost while it is scheduled or running (every two
// seconds once it runs; every 30 seconds while it only waits for its start), a reload as soon as
// its state is no longer the one shown (its actions change: Pause appears once it runs), and the
// schedule form's confirmation saying when it starts.
(function () {
  'use strict';
  var lang = document.documentElement.lang || undefined;

  // The schedule button asks "start now?" or "start at <time>?" as the field says.
  var at = document.getElementById('c-at');
  var button = document.getElementById('schedule-button');
  if (at && button) {
    var wallClock = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    var confirmText = function () {
      var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(at.value);
      if (!m) return button.getAttribute('data-confirm-now');
      // The typed wall clock as it is (formatted in UTC so no zone shifts it): the organization's time.
      var time = wallClock.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])));
      return button.getAttribute('data-confirm-at').replace('{time}', time);
    };
    var update = function () { button.setAttribute('data-confirm', confirmText()); };
    at.addEventListener('input', update);
    at.addEventListener('change', update);
    update();
  }

  var box = document.getElementById('campaign-progress');
  if (!box || !box.dataset.live) return;
  var numbers = new Intl.NumberFormat(lang);
  var cost = document.getElementById('campaign-cost');
  var money = cost && cost.dataset.currency ? new Intl.NumberFormat(lang, { style: 'currency', currency: cost.dataset.currency, maximumFractionDigits: 2 }) : null;
  var shown = box.dataset.status;
  var start = box.dataset.start ? Date.parse(box.dataset.start) : NaN;

  // Running: every 2 s. Scheduled: every 30 s, or just after the start when that comes sooner.
  function delay(status) {
    if (status !== 'scheduled') return 2000;
    var untilStart = isNaN(start) ? 30000 : start - Date.now() + 1000;
    return Math.min(30000, Math.max(2000, untilStart));
  }
  function poll() {
    fetch(box.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (p) {
        if (!p) return setTimeout(poll, delay(shown));
        if (p.status !== shown) {
          window.location.reload(); // the state and its actions changed
          return;
        }
        box.querySelectorAll('[data-progress]').forEach(function (node) {
          var value = p.progress[node.getAttribute('data-progress')];
          if (value !== undefined) node.textContent = numbers.format(value);
        });
        if (cost && money && p.cost !== undefined) cost.textContent = money.format(Number(p.cost));
        setTimeout(poll, delay(p.status));
      })
      .catch(function () { setTimeout(poll, delay(shown)); /* try again on the next tick */ });
  }
  setTimeout(poll, delay(shown));
})();
