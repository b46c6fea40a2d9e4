// The campaign wizard's live count: whenever the audience, channels or control share change, the
// server counts who the campaign would reach now and what it would cost (nothing is saved).
(function () {
  'use strict';
  var form = document.getElementById('campaign-wizard');
  var out = document.getElementById('estimate');
  if (!form || !out) return;
  var csrf = form.querySelector('input[name="_csrf"]').value;
  var timer = null;
  var sequence = 0;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name] === undefined ? whole : String(values[name]); });
  }
  function refresh() {
    var mine = ++sequence;
    out.textContent = out.dataset.waiting;
    fetch(form.dataset.estimateUrl, {
      method: 'POST', credentials: 'same-origin', body: new URLSearchParams(new FormData(form)),
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
    })
      .then(function (res) { return res.json().then(function (json) { return { ok: res.ok, json: json }; }); })
      .then(function (r) {
        if (mine !== sequence) return;
        if (!r.ok) {
          out.textContent = (r.json.problems || []).map(function (p) { return p.field + ': ' + p.message; }).join('; ') || r.json.message;
          out.className = 'problem';
          return;
        }
        var e = r.json;
        var messages = Object.keys(e.byChannel).reduce(function (sum, c) { return sum + e.byChannel[c]; }, 0);
        var money = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: 'currency', currency: e.currency });
        out.className = '';
        out.textContent = fill(out.dataset.template, {
          matching: numbers.format(e.matching), messages: numbers.format(messages), capped: numbers.format(e.capped),
          unreachable: numbers.format(e.unreachable), control: numbers.format(e.controlGroup), cost: money.format(Number(e.cost)),
          channels: Object.keys(e.byChannel).map(function (c) { return c + ' ' + numbers.format(e.byChannel[c]); }).join(', ') || '—',
        });
        out.dataset.matching = String(e.matching);
      })
      .catch(function () { /* the count comes back on the next change */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  refresh();
})();
