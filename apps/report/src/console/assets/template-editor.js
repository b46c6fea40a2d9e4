// The template editor's live preview: as staff type, the edited template is rendered for the chosen
// client on the server (the same validation and rendering as sending), with the SMS encoding,
// segments and price. Without scripts, the "Preview" button does the same with a page load.
(function () {
  'use strict';
  var form = document.getElementById('template-form');
  var out = document.getElementById('preview');
  var i18n = document.getElementById('preview-i18n');
  if (!form || !out || !i18n) return;
  var csrf = form.querySelector('input[name="_csrf"]').value;
  var timer = null;
  var sequence = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return values[name] === undefined ? whole : String(values[name]); });
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function showProblems(problems) {
    form.querySelectorAll('.part-problems').forEach(function (list) { list.textContent = ''; });
    (problems || []).forEach(function (p) {
      var list = form.querySelector('.part-problems[data-part="' + p.part + '"]');
      if (!list) return;
      var where = p.line ? fill(i18n.dataset.line, { line: p.line, column: p.column || 1 }) + ': ' : '';
      list.appendChild(el('li', where + p.message));
    });
  }
  function render(preview) {
    out.textContent = '';
    out.appendChild(el('p', fill(i18n.dataset.renderedFor, { name: preview.renderedFor.name, locale: preview.renderedFor.locale }), 'muted'));
    Object.keys(preview.parts).forEach(function (part) {
      out.appendChild(el('h3', part));
      var value = preview.parts[part];
      var pre = el('pre', typeof value === 'string' ? value : JSON.stringify(value, null, 2), 'rendered');
      pre.dir = 'auto';
      out.appendChild(pre);
    });
    if (preview.sms) {
      var counter = el('p', fill(i18n.dataset.sms, preview.sms));
      counter.id = 'sms-counter';
      out.appendChild(counter);
    }
  }
  function refresh() {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    body.delete('action');
    fetch(form.dataset.previewUrl, {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
    })
      .then(function (res) { return res.json().then(function (json) { return { ok: res.ok, json: json }; }); })
      .then(function (r) {
        if (mine !== sequence) return; // an older answer arriving late
        showProblems(r.ok ? [] : r.json.problems);
        if (r.ok) render(r.json);
      })
      .catch(function () { /* offline: the Preview button still works */ });
  }
  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener('change', function (event) { if (event.target.name === 'clientId') refresh(); });
  refresh();
})();
