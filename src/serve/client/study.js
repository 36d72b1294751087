/* global document */
// A study's page: the best trial, the trial table (click a heading to sort, type to filter) and
// the parallel coordinates, redrawn whenever study.json changes (src/serve/studies.ts).
import { el, follow, showChart } from './charts.js';

const main = document.getElementById('study');
const name = main.dataset.study;
const table = document.getElementById('trials');
const filter = document.getElementById('filter');
let view = null;
let sort = { column: 0, descending: false };

follow(`/api/studies/${encodeURIComponent(name)}/events`, async (v) => {
  view = v;
  showBest();
  showTable();
  if (v.parallel) await showChart(document.getElementById('parallel-box'), v.parallel);
  else document.getElementById('parallel-box').replaceChildren(el('p', 'No trial has a value of the metric yet, or the study sweeps no value.'));
});
filter.addEventListener('input', showTable);

function showBest() {
  const best = view.rows.find((r) => r.cells[0] === '1');
  const box = document.getElementById('best');
  box.replaceChildren(el('h2', 'Best trial'));
  if (!best) return box.append(el('p', `No trial has a value of ${view.metric} yet.`));
  const list = el('ul');
  view.columns.forEach((c, i) => i > 0 && list.append(el('li', `${c}: ${best.cells[i]}`)));
  box.append(list);
}

function showTable() {
  const head = el('tr');
  view.columns.forEach((c, i) => {
    const th = el('th', c + (sort.column === i ? (sort.descending ? ' ▼' : ' ▲') : ''), 'sortable');
    th.addEventListener('click', () => {
      sort = { column: i, descending: sort.column === i ? !sort.descending : false };
      showTable();
    });
    head.append(th);
  });
  table.tHead.replaceChildren(head);
  const words = filter.value.trim().toLowerCase();
  const rows = view.rows.filter((r) => !words || r.cells.some((c) => c.toLowerCase().includes(words)));
  rows.sort((a, b) => compare(a, b, sort.column) * (sort.descending ? -1 : 1));
  table.tBodies[0].replaceChildren(...rows.map((r) => {
    const tr = el('tr');
    for (const c of r.cells) tr.append(el('td', c));
    return tr;
  }));
  document.getElementById('shown').textContent = `${rows.length} of ${view.rows.length} trials`;
}

/** Numbers by value, '-' (no value) last, text in code-point order; the metric column by its number. */
function compare(a, b, column) {
  const metricColumn = view.columns.length - 2;
  const [x, y] = column === metricColumn ? [a.sort, b.sort] : [num(a.cells[column]), num(b.cells[column])];
  if (x !== null && y !== null) return x - y;
  if (x !== null || y !== null) return x === null ? 1 : -1;
  const [s, t] = [a.cells[column], b.cells[column]];
  return s === t ? 0 : s === '-' ? 1 : t === '-' ? -1 : s < t ? -1 : 1;
}

function num(text) {
  const n = Number(text.replace(/%$/, ''));
  return text.trim() !== '' && text !== '-' && Number.isFinite(n) ? n : null;
}
