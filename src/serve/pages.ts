// The pages as HTML: a shell per page (its title, what it is about as data- attributes, its
// script) and the index's two tables, rendered here so that escaping happens in one place. Every
// string from the outputs folder (run, stage, class, pipeline and study names) goes through esc().
import type { RunListing } from './runs.js';
import type { StudyListing } from './studies.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A page: the vendored Vega bundles (classic scripts, in order), then the page's module. */
function page(title: string, script: string | null, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} - pipe serve</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
${script === null ? '' : `<script src="/vendor/vega.min.js"></script>
<script src="/vendor/vega-lite.min.js"></script>
<script src="/vendor/vega-embed.min.js"></script>
<script type="module" src="/assets/${script}.js"></script>
`}</head>
<body>
<nav><a href="/">runs and studies</a></nav>
${body}
</body>
</html>
`;
}

export function indexPage(runs: readonly RunListing[], studies: readonly StudyListing[]): string {
  return page('runs and studies', 'index', `<h1>Runs and studies</h1>
<p class="live" id="live">connecting</p>
<h2>Runs</h2>
<p><button id="compare" type="button" disabled>compare the checked runs</button></p>
<div id="runs">${runsTable(runs)}</div>
<h2>Studies</h2>
<div id="studies">${studiesTable(studies)}</div>`);
}

export function runsTable(runs: readonly RunListing[]): string {
  if (!runs.length) return '<p>No runs yet: <code>pipe run FILE</code> writes them under outputs/runs/.</p>';
  const rows = runs.map((r) => {
    const stages = Object.entries(r.stages).map(([s, l]) => `${esc(s)}: ${l.best === null ? '-' : esc(metric(l.metric, l.best))} (${l.epochs} epoch${l.epochs === 1 ? '' : 's'})`);
    return `<tr data-run="${esc(r.name)}"><td><input type="checkbox" class="pick" value="${esc(r.name)}" aria-label="compare ${esc(r.name)}"></td><td><a href="/runs/${esc(encodeURIComponent(r.name))}">${esc(r.name)}</a></td><td>${esc(r.pipeline)}</td><td>${esc(when(r.started))}</td>${statusCell(r.status, r.reason)}<td>${stages.join('<br>')}</td></tr>`;
  });
  return `<table class="list"><thead><tr><th></th><th>run</th><th>pipeline</th><th>started</th><th>status</th><th>stages: best, epochs</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function studiesTable(studies: readonly StudyListing[]): string {
  if (!studies.length) return '<p>No studies yet: <code>pipe study FILE</code> writes them under outputs/studies/.</p>';
  const rows = studies.map((s) => `<tr><td><a href="/studies/${esc(encodeURIComponent(s.name))}">${esc(s.name)}</a></td><td>${esc(s.study)}</td><td>${esc(when(s.started))}</td>${statusCell(s.status, s.reason)}<td class="num">${s.trials}</td><td>${s.best ? `${esc(s.best.name)}: ${esc(s.best.metric)}` : '-'}</td></tr>`);
  return `<table class="list"><thead><tr><th>study</th><th>name</th><th>started</th><th>status</th><th class="num">trials</th><th>best trial</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function runPage(name: string): string {
  return page(name, 'run', `<h1>${esc(name)}</h1>
<p class="live" id="live">connecting</p>
<p id="status" class="status"></p>
<p class="files">files: <a href="/files/runs/${esc(encodeURIComponent(name))}/pipeline.yaml">pipeline.yaml</a> <a href="/files/runs/${esc(encodeURIComponent(name))}/metrics.jsonl">metrics.jsonl</a> <a href="/files/runs/${esc(encodeURIComponent(name))}/run.json">run.json</a></p>
<main id="run" data-run="${esc(name)}"></main>`);
}

export function comparePage(names: readonly string[]): string {
  return page(`compare ${names.join(', ')}`, 'compare', `<h1>Compare ${names.map((n) => esc(n)).join(', ')}</h1>
<main id="compare" data-runs="${esc(JSON.stringify(names))}"><div id="curves"></div><h2>pipe diff</h2><div id="diffs"></div></main>`);
}

export function studyPage(name: string): string {
  return page(name, 'study', `<h1>Study ${esc(name)}</h1>
<p class="live" id="live">connecting</p>
<main id="study" data-study="${esc(name)}">
<section id="best"></section>
<h2>Trials</h2>
<p><label>filter <input id="filter" type="search" placeholder="a name, a value, a status"></label> <span id="shown"></span></p>
<table class="list" id="trials"><thead></thead><tbody></tbody></table>
<h2>Parallel coordinates</h2>
<div id="parallel-box"></div>
</main>`);
}

/** An error page: the status and the sentence saying why. */
export function problemPage(status: number, message: string): string {
  return page(`error ${status}`, null, `<h1>${status}</h1><p class="problem">${esc(message)}</p>`);
}

function statusCell(status: string, reason?: string): string {
  return `<td><span class="badge ${esc(status)}"${reason ? ` title="${esc(reason)}"` : ''}>${esc(status)}</span></td>`;
}

function metric(name: string, v: number): string {
  return name.endsWith('top1') ? `${name} ${(100 * v).toFixed(2)}%` : `${name} ${v.toFixed(4)}`;
}

function when(iso: string): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '-';
}
