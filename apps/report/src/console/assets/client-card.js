// The reason field: as staff type, offer the organization's live reasons (ranked by the reason
// list's suggester, labelled in the console's language) and warn when the text is a near-duplicate
// of one, before anything is saved. The server checks again on save; without this script the form
// works the same (the page's datalist offers the reasons, the server sends back the warning).
(function () {
  'use strict';
  var MAX_SUGGESTIONS = 5;
  document.querySelectorAll('form.reason-form').forEach(function (form) {
    var input = form.querySelector('input[name="reason"]');
    var hint = form.querySelector('.hint');
    var url = form.getAttribute('data-suggest');
    var timer = null;
    var seq = 0;
    function pick(label) {
      input.value = label;
      hint.textContent = '';
      input.focus();
    }
    function button(className, label) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = className;
      b.textContent = label;
      b.addEventListener('click', function () { pick(label); });
      return b;
    }
    function show(data) {
      hint.textContent = '';
      if (!data || data.exact) return;
      var near = data.nearDuplicates && data.nearDuplicates[0];
      if (near) {
        hint.appendChild(document.createTextNode(hint.getAttribute('data-near') || 'Similar to an existing reason:'));
        hint.appendChild(button('near-duplicate', near.label));
      }
      var others = (data.suggestions || []).filter(function (s) { return !near || s.id !== near.id; }).slice(0, MAX_SUGGESTIONS);
      if (others.length) {
        if (near) hint.appendChild(document.createElement('br'));
        hint.appendChild(document.createTextNode(hint.getAttribute('data-suggestions') || 'Existing reasons like this:'));
        others.forEach(function (s) { hint.appendChild(button('suggestion', s.label)); });
      }
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var text = input.value;
      if (!text.trim()) { hint.textContent = ''; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + '?q=' + encodeURIComponent(text), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (mine === seq) show(data); })
          .catch(function () { /* the server checks on save anyway */ });
      }, 200);
    });
  });
})();
