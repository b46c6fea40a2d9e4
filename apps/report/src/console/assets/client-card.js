// The reason field: as staff type, offer the organization's existing reasons and warn when the
// text is a near-duplicate of one, before anything is saved. The server checks again on save.
(function () {
  'use strict';
  document.querySelectorAll('form.reason-form').forEach(function (form) {
    var input = form.querySelector('input[name="reason"]');
    var hint = form.querySelector('.hint');
    var url = form.getAttribute('data-suggest');
    var timer = null;
    var seq = 0;
    function show(data) {
      hint.textContent = '';
      if (!data || data.exact) return;
      var near = data.nearDuplicates && data.nearDuplicates[0];
      if (near) {
        hint.appendChild(document.createTextNode(hint.getAttribute('data-near') || 'Similar to an existing reason:'));
        var use = document.createElement('button');
        use.type = 'button';
        use.className = 'near-duplicate';
        use.textContent = near.label;
        use.addEventListener('click', function () { input.value = near.label; hint.textContent = ''; input.focus(); });
        hint.appendChild(use);
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
