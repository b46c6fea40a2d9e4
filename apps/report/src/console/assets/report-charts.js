// Draws each report chart from the JSON the server put beside its canvas. The table under each
// chart holds the same numbers, so the page reads fine without this script (and for screen readers).
(function () {
  'use strict';
  if (!window.Chart) return;
  var palette = ['#0b6bcb', '#d9480f', '#2b8a3e', '#9c36b5', '#e8590c', '#1098ad', '#5c940d', '#c2255c', '#868e96'];
  var lang = document.documentElement.lang || 'en';
  var percent = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  document.querySelectorAll('script.chart-spec').forEach(function (node) {
    var spec = JSON.parse(node.textContent);
    var canvas = document.getElementById(node.getAttribute('data-for'));
    if (!canvas) return;
    var datasets = spec.datasets.map(function (d, i) {
      var colour = palette[i % palette.length];
      var out = { label: d.label, data: d.data, backgroundColor: spec.type === 'doughnut' ? palette : colour, borderColor: colour, yAxisID: d.yAxisID || 'y' };
      if (d.type) out.type = d.type;
      if (d.type === 'line' || spec.type === 'line') { out.fill = false; out.tension = 0.2; out.backgroundColor = colour; }
      if (spec.type === 'doughnut') delete out.yAxisID;
      return out;
    });
    var scales = {};
    if (spec.type !== 'doughnut') {
      var onlyPercent = spec.datasets.every(function (d) { return d.yAxisID === 'pct'; });
      if (!onlyPercent) scales.y = { stacked: !!spec.stacked, beginAtZero: true, ticks: { callback: function (v) { return number.format(v); } } };
      scales.x = { stacked: !!spec.stacked };
      if (spec.percentAxis) scales.pct = { position: onlyPercent ? 'left' : 'right', beginAtZero: true, grid: { drawOnChartArea: onlyPercent }, ticks: { callback: function (v) { return percent.format(v); } } };
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: function (ctx) { var v = ctx.raw; return ctx.dataset.label + ': ' + (ctx.dataset.yAxisID === 'pct' ? percent.format(v) : number.format(v)); } } },
        },
      },
    });
  });
})();
