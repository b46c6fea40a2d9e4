// The lost-clients list: tick every row of the page at once, and show how many are ticked.
(function () {
  'use strict';
  var form = document.getElementById('bulk');
  if (!form) return;
  var pageBox = document.getElementById('select-page');
  var allMatching = document.getElementById('select-all-matching');
  var counter = document.getElementById('selected-count');
  var rows = function () { return Array.prototype.slice.call(form.querySelectorAll('input[name="episode"]')); };
  function update() {
    var ticked = rows().filter(function (box) { return box.checked; }).length;
    if (counter && !allMatching.checked) counter.textContent = counter.getAttribute('data-template').replace('{count}', String(ticked));
    if (pageBox) pageBox.checked = ticked > 0 && ticked === rows().length;
  }
  if (pageBox) pageBox.addEventListener('change', function () {
    rows().forEach(function (box) { box.checked = pageBox.checked; });
    update();
  });
  form.addEventListener('change', function (event) {
    if (event.target && event.target.name === 'episode') update();
  });
  if (allMatching) allMatching.addEventListener('change', function () {
    rows().forEach(function (box) { box.disabled = allMatching.checked; });
    if (pageBox) pageBox.disabled = allMatching.checked;
    if (counter && allMatching.checked) counter.textContent = allMatching.parentNode.textContent.trim();
    else update();
  });
})();
