/* global document, CSS, EventSource, vegaEmbed */
// Charts from the server (src/serve/specs.ts) embedded with vega-embed, and the controls of a
// chart that has them: a log y axis and a smoothing slider. By the server's convention the first
// layer of such a chart holds the points {series, epoch, value}; both controls rewrite that layer
// and embed the chart again (Vega-Lite cannot make a scale's type a parameter).

// ast: Vega interprets its expressions instead of compiling them with new Function, so the
// page's Content-Security-Policy needs no 'unsafe-eval'. No style elements: the policy refuses
// them (style.css holds the tooltip's style).
const EMBED = { actions: false, ast: true, renderer: 'svg', defaultStyle: false, tooltip: { disableDefaultStyle: true } };

/** Chart id -> its state, so a live update keeps the reader's log and smoothing choices. */
const state = new Map();

/** Embeds `chart` ({id, spec, controls}) into `parent`, reusing its element when it is there. */
export async function showChart(parent, chart) {
  let box = document.getElementById(chart.id);
  if (!box) {
    box = document.createElement('div');
    box.id = chart.id;
    box.className = 'chart';
    const target = document.createElement('div');
    target.className = 'view';
    if (chart.controls) box.append(controls(chart.id));
    box.append(target);
    parent.append(box);
  }
  const s = state.get(chart.id) ?? { log: false, smooth: 0 };
  // An update that leaves this chart as it was keeps it (and the reader's zoom) untouched.
  const text = JSON.stringify(chart.spec);
  if (s.text === text) return;
  state.set(chart.id, { ...s, spec: chart.spec, text });
  await draw(chart.id);
}

async function draw(id) {
  const s = state.get(id);
  const spec = s.log || s.smooth > 0 ? adjusted(s.spec, s.log, s.smooth) : s.spec;
  s.view?.finalize();
  s.view = (await vegaEmbed(document.querySelector(`#${CSS.escape(id)} .view`), spec, EMBED)).view;
}

function controls(id) {
  const bar = document.createElement('div');
  bar.className = 'controls';
  const log = document.createElement('input');
  log.type = 'checkbox';
  log.className = 'log';
  const smooth = document.createElement('input');
  smooth.type = 'range';
  smooth.className = 'smooth';
  Object.assign(smooth, { min: '0', max: '0.95', step: '0.05', value: '0' });
  const shown = document.createElement('span');
  shown.textContent = '0';
  log.addEventListener('change', () => void update(id, { log: log.checked }));
  smooth.addEventListener('input', () => {
    shown.textContent = smooth.value;
    void update(id, { smooth: Number(smooth.value) });
  });
  bar.append(label(log, 'log axis'), label(smooth, 'smoothing '), shown, hint());
  return bar;
}

function hint() {
  const span = document.createElement('span');
  span.textContent = ' (drag to pan, wheel to zoom, double-click to reset; click a legend entry to pick a series)';
  return span;
}

function label(input, text) {
  const l = document.createElement('label');
  l.append(input, ` ${text}`);
  return l;
}

async function update(id, change) {
  state.set(id, { ...state.get(id), ...change });
  await draw(id);
}

/** The spec with the first layer's y axis on a log scale and its values smoothed. */
export function adjusted(spec, log, weight) {
  const [first, ...rest] = spec.layer;
  let values = first.data.values;
  if (weight > 0) values = smoothed(values, weight);
  // A log scale has no place for 0 or below (a top-1 of 0 at the first epoch).
  if (log) values = values.filter((p) => p.value > 0);
  const y = { ...first.encoding.y, scale: { ...first.encoding.y.scale, ...(log ? { type: 'log', zero: false } : {}) } };
  return { ...spec, layer: [{ ...first, data: { values }, encoding: { ...first.encoding, y } }, ...rest] };
}

/** TensorBoard's smoothing: an exponential moving average per series, debiased at its start. */
export function smoothed(points, weight) {
  const out = [];
  const last = new Map();
  for (const p of [...points].sort((a, b) => a.epoch - b.epoch)) {
    const s = last.get(p.series) ?? { avg: 0, n: 0 };
    const avg = weight * s.avg + (1 - weight) * p.value;
    const n = s.n + 1;
    last.set(p.series, { avg, n });
    out.push({ ...p, raw: p.value, value: avg / (1 - weight ** n) });
  }
  return out;
}

/** Shows the connection's state in the page's corner (#live). */
export function liveState(text) {
  const el = document.getElementById('live');
  if (el) el.textContent = text;
}

/** Follows `url`'s update events, calling `onData` with each; says in #live how the link is. */
export function follow(url, onData) {
  const source = new EventSource(url);
  source.addEventListener('update', (e) => {
    liveState(`live, updated ${new Date().toLocaleTimeString()}`);
    void onData(JSON.parse(e.data));
  });
  source.addEventListener('problem', (e) => liveState(`problem: ${JSON.parse(e.data)}`));
  source.addEventListener('error', () => liveState('disconnected; retrying'));
  return source;
}

/** An element with text (never HTML: every string here may come from a file name). */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}
