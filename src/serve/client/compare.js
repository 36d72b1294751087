/* global document, fetch */
// The compare page: per stage the runs' curves overlaid, then pipe diff of the first run against
// each other one (src/serve/compare.ts).
import { el, showChart } from './charts.js';

const main = document.getElementById('compare');
const names = JSON.parse(main.dataset.runs);

const response = await fetch(`/api/compare?runs=${names.map(encodeURIComponent).join(',')}`);
const view = await response.json();
if (!response.ok) main.replaceChildren(el('p', view.error, 'problem'));
else {
  const curves = document.getElementById('curves');
  for (const stage of view.stages) {
    const box = el('section');
    box.append(el('h2', stage.name), el('div', null, 'charts'));
    curves.append(box);
    for (const chart of stage.charts) await showChart(box.lastChild, chart);
  }
  const diffs = document.getElementById('diffs');
  for (const d of view.diffs) diffs.append(el('h3', `A: ${d.a}, B: ${d.b}`), el('pre', d.text, 'diff'));
}
