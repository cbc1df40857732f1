/* clusterviz — the history page's charts, drawn by uPlot (npm's uplot, served from node_modules as /static/uplot/).
 *
 * The data is the page's #chart-data block: one time axis `t` (epoch seconds) and per chart its series, as the
 * server computed them (dashboard/history/views.py: counts, and per node the share of allocatable). Nothing is
 * recomputed here. Times are written in the browser's own time zone; the cursor is shared by every chart, so
 * pointing at one moment shows that moment's values in all of them. Series colours come from history.css
 * (--chart-<series>), which takes them from the map's palette.
 */

const _ = (text) => (window.gettext ? window.gettext(text) : text);
const SYNC_KEY = 'cvh-history';
const HEIGHT = 180;
const SMALL_HEIGHT = 120;
const LANG = document.documentElement.lang || undefined;
const WHOLE_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

const moment = new Intl.DateTimeFormat(LANG, {
  year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
});
const clock = new Intl.DateTimeFormat(LANG, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const clockSeconds = new Intl.DateTimeFormat(LANG, {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const day = new Intl.DateTimeFormat(LANG, { month: 'short', day: 'numeric' });

/** Tick labels for the time axis: seconds when ticks are less than a minute apart, the day when a day or more.
 * uPlot paints them on its canvas; the plot's data-time-ticks keeps the words (the browser tests read them). */
function timeTicks(u, splits, axisIdx, space, incr) {
  const fmt = incr < 60 ? clockSeconds : incr < 86400 ? clock : day;
  const labels = splits.map((t) => fmt.format(new Date(t * 1000)));
  u.root.parentElement.dataset.timeTicks = labels.join(' ');
  return labels;
}

/** A value written out with its unit, or – where nothing was recorded. */
function valueText(v, suffix) {
  return v === null || v === undefined ? '–' : String(v) + suffix;
}

/** The smallest of 1, 2, 5 × 10^n at or above x (the value axis starts at 0 and ends on a round number). */
function roundUp(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= x);
}

function colour(figure, name) {
  return getComputedStyle(figure).getPropertyValue('--chart-' + name).trim() || '#8d99a8';
}

function seriesOptions(figure, line) {
  const dashed = line.name.endsWith('-used');
  return {
    label: line.label,
    stroke: colour(figure, line.name),
    width: 2,
    dash: dashed ? [5, 4] : undefined,
    spanGaps: false,
    points: { show: false },
  };
}

function axisStyle(figure) {
  const css = getComputedStyle(figure);
  const text = css.getPropertyValue('--text').trim() || '#e6edf3';
  const line = css.getPropertyValue('--line').trim() || '#2b3442';
  return { stroke: text, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
}

function options(figure, chart, width, height) {
  const style = axisStyle(figure);
  const top = chart.suffix === ' %' ? 100 : 0;
  return {
    width, height,
    legend: { show: false },
    cursor: { sync: { key: SYNC_KEY }, y: false, drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, roundUp(Math.max(hi, top))] } },
    axes: [
      { ...style, values: timeTicks, space: 60 },
      { ...style, label: chart.unit, labelSize: 18, size: 56, incrs: WHOLE_INCRS },
    ],
    series: [{ label: _('Time') }, ...chart.lines.map((line) => seriesOptions(figure, line))],
    hooks: { setCursor: [(u) => showReadout(figure, chart, u)] },
  };
}

/** The moment under the pointer and every series' value then, in words under the chart. */
function showReadout(figure, chart, u) {
  const readout = figure.querySelector('[data-readout]');
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined) { readout.hidden = true; return; }
  const t = u.data[0][idx];
  const time = readout.querySelector('time');
  time.dateTime = new Date(t * 1000).toISOString();
  time.textContent = moment.format(new Date(t * 1000));
  readout.querySelector('[data-values]').textContent = chart.lines
    .map((line, i) => line.label + ': ' + valueText(u.data[i + 1][idx], chart.suffix))
    .join(' · ');
  readout.hidden = false;
}

function draw(figure, t, chart) {
  const box = figure.querySelector('.cvh-plot');
  const height = figure.closest('.cvh-nodes') ? SMALL_HEIGHT : HEIGHT;
  const data = [t, ...chart.lines.map((line) => line.values)];
  const plot = new window.uPlot(options(figure, chart, box.clientWidth || 600, height), data, box);
  box.dataset.unit = chart.unit;
  new ResizeObserver(() => {
    if (box.clientWidth && box.clientWidth !== plot.width) plot.setSize({ width: box.clientWidth, height });
  }).observe(box);
  return plot;
}

function start() {
  const block = document.getElementById('chart-data');
  if (!block || !window.uPlot) return;
  const { t, charts } = JSON.parse(block.textContent);
  const drawn = {};
  for (const figure of document.querySelectorAll('figure[data-chart]')) {
    const chart = charts[figure.dataset.chart];
    if (chart) drawn[figure.dataset.chart] = draw(figure, t, chart);
  }
  document.body.dataset.charts = String(Object.keys(drawn).length);
  window.clustervizCharts = drawn;  // for a look from the console; the tests point with the mouse
}

start();
