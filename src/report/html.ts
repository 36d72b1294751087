// report.html: one self-contained file that opens from disk with no network: charts are inline
// SVG, pictures are data: URLs, the style is inline, and there is no script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Block, Cell, ImageRef, ReportDocument } from './document.js';

const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ddd; }
h3 { font-size: 16px; margin-top: 24px; } ul.runs { color: #555; margin-top: 0; padding-left: 18px; }
table { border-collapse: collapse; margin: 8px 0 16px; } caption { text-align: left; font-style: italic; color: #555; padding-bottom: 4px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: left; vertical-align: middle; }
th { background: #f6f6f6; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0 20px; } figcaption { color: #555; font-style: italic; font-size: 13px; }
figure.chart svg { max-width: 100%; height: auto; } figure.picture img { max-width: 100%; image-rendering: pixelated; }
.thumbs { display: flex; gap: 6px; flex-wrap: wrap; } .thumb { text-align: center; font-size: 11px; color: #555; max-width: 110px; }
.thumb img { display: block; width: 72px; height: 72px; image-rendering: pixelated; margin: 0 auto; }
`;

export function toHtml(doc: ReportDocument, dir: string): string {
  const body: string[] = [`<h1>${esc(doc.title)}</h1>`, `<ul class="runs">${doc.runs.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`];
  for (const s of doc.sections) {
    body.push(`<h${s.level}>${esc(s.title)}</h${s.level}>`);
    for (const b of s.blocks) body.push(block(b, dir));
  }
  // A data: icon: otherwise the browser asks file:// for favicon.ico and logs the miss as an error.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

function block(b: Block, dir: string): string {
  switch (b.kind) {
    case 'text':
      return `<p>${esc(b.text)}</p>`;
    case 'table': {
      const cls = (align?: string) => (align === 'right' ? ' class="num"' : '');
      const head = `<tr>${b.columns.map((c) => `<th${cls(c.align)}>${esc(c.title)}</th>`).join('')}</tr>`;
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(b.columns[i]?.align)}>${cell(c, dir)}</td>`).join('')}</tr>`);
      return `<table>${b.caption ? `<caption>${esc(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
    }
    case 'chart':
      return `<figure class="chart" id="${esc(b.id)}">${b.svg}<figcaption>${esc(b.caption)}</figcaption></figure>`;
    case 'picture':
      return `<figure class="picture"><img src="${dataUrl(b.image, dir)}" alt="${esc(b.image.alt)}"><figcaption>${esc(b.caption)}</figcaption></figure>`;
    default:
      return exhaustive(b);
  }
}

function cell(c: Cell, dir: string): string {
  if (typeof c === 'string') return esc(c);
  const thumbs = c.images.map((i) => `<div class="thumb"><img src="${dataUrl(i, dir)}" alt="${esc(i.alt)}" title="${esc(i.alt)}">${i.caption ? esc(i.caption) : ''}</div>`);
  return `<div class="thumbs">${thumbs.join('')}</div>`;
}

function dataUrl(image: ImageRef, dir: string): string {
  return `data:image/png;base64,${readFileSync(join(dir, image.file)).toString('base64')}`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function exhaustive(b: never): never {
  throw new Error(`unknown block ${JSON.stringify(b)}`);
}
