/* global document */
// A run's page: its status and, per stage, the curves and per-class results, redrawn from each
// update the server sends while the run's files change (src/serve/run-view.ts).
import { el, follow, showChart } from './charts.js';

const main = document.getElementById('run');
const name = main.dataset.run;

follow(`/api/runs/${encodeURIComponent(name)}/events`, render);

async function render(view) {
  const l = view.listing;
  const status = document.getElementById('status');
  status.replaceChildren(el('span', l.status, `badge ${l.status}`), ` pipeline ${l.pipeline}, started ${l.started || '-'}${view.backend ? `, on ${view.backend}` : ''}${l.reason ? ` (${l.reason})` : ''}`);
  for (const [i, stage] of view.stages.entries()) {
    const section = stageSection(i, stage);
    section.querySelector('.epochs').textContent = `${stage.kind}, ${stage.epochs} epoch${stage.epochs === 1 ? '' : 's'}`;
    const charts = section.querySelector('.charts');
    if (!stage.charts.length) charts.replaceChildren(el('p', 'No epoch yet.'));
    else charts.querySelector(':scope > p')?.remove();
    for (const chart of stage.charts) await showChart(charts, chart);
    if (stage.classes) await showClasses(section, stage);
  }
}

function stageSection(i, stage) {
  const id = `stage-${i + 1}`;
  let section = document.getElementById(id);
  if (!section) {
    section = el('section');
    section.id = id;
    const head = el('h2', stage.name);
    head.append(' ', el('span', '', 'epochs'));
    section.append(head, el('div', null, 'charts'), el('div', null, 'classes'));
    main.append(section);
  }
  return section;
}

async function showClasses(section, stage) {
  const box = section.querySelector('.classes');
  const c = stage.classes;
  let tables = box.querySelector('.tables');
  if (!tables) {
    box.append(el('h3', `Per class: ${stage.name}`), el('p', '', 'source'), el('div', null, 'class-chart'));
    tables = el('div', null, 'tables');
    box.append(tables);
  }
  box.querySelector('.source').textContent = `Correct predictions per class, from ${c.source}.`;
  await showChart(box.querySelector('.class-chart'), c.chart);
  tables.replaceChildren(classTable(`The ${c.best.length} best classes`, c.best, 'examples, predicted right'), classTable(`The ${c.worst.length} worst classes`, c.worst, 'examples, each under what it was taken for'));
}

function classTable(caption, rows, examples) {
  const table = el('table', null, 'list');
  table.append(el('caption', caption));
  const head = el('tr');
  for (const t of ['class', 'correct', 'accuracy', examples]) head.append(el('th', t));
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  for (const r of rows) {
    const tr = el('tr');
    const thumbs = el('div', null, 'thumbs');
    for (const x of r.examples) {
      const box = el('div', null, 'thumb');
      const img = el('img');
      Object.assign(img, { src: x.src, alt: x.alt, title: x.alt });
      box.append(img);
      if (x.caption) box.append(x.caption);
      thumbs.append(box);
    }
    tr.append(el('td', r.name), el('td', `${r.correct} / ${r.count}`, 'num'), el('td', `${((100 * r.correct) / r.count).toFixed(1)}%`, 'num'), r.examples.length ? el('td') : el('td', '-'));
    if (r.examples.length) tr.lastChild.append(thumbs);
    table.tBodies[0].append(tr);
  }
  return table;
}
