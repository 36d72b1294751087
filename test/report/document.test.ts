// report.md and report.html print the same document; names from words.txt reach both verbatim.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportDocument } from '../../src/report/document.js';
import { toHtml } from '../../src/report/html.js';
import { toMarkdown } from '../../src/report/markdown.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-document-'));
mkdirSync(join(dir, 'images'));
// A 1x1 PNG: the HTML inlines pictures as data: URLs.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
writeFileSync(join(dir, 'images', 'a.png'), png);

const doc: ReportDocument = {
  title: 'R & D <1>',
  runs: ['run-1: pipeline p'],
  sections: [
    {
      title: 'Per class',
      level: 2,
      blocks: [
        { kind: 'table', caption: 'best', columns: [{ title: 'class' }, { title: 'correct', align: 'right' }, { title: 'examples' }], rows: [['a | b <i>', '3 / 4', { images: [{ file: 'images/a.png', alt: 'a taken for "b"', caption: 'b' }] }]] },
        { kind: 'chart', id: 'c1', caption: 'loss per epoch', svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
        { kind: 'picture', image: { file: 'images/a.png', alt: 'grid' }, caption: 'chain x' },
      ],
    },
  ],
};

describe('report documents', () => {
  it('markdown: a | in a cell and < anywhere are escaped, charts and pictures are files beside the report', () => {
    expect(toMarkdown(doc)).toBe(`# R & D \\<1\\>

- run-1: pipeline p

## Per class

*best*

| class | correct | examples |
|---|---:|---|
| a \\| b \\<i\\> | 3 / 4 | ![a taken for "b"](images/a.png) |

![loss per epoch](charts/c1.svg)

*loss per epoch*

![grid](images/a.png)

*chain x*
`);
  });

  it('html: text escaped, the SVG inline, pictures as data: URLs, no script', () => {
    const html = toHtml(doc, dir);
    expect(html).toContain('<title>R &amp; D &lt;1&gt;</title>');
    expect(html).toContain('<td>a | b &lt;i&gt;</td><td class="num">3 / 4</td>');
    expect(html).toContain(`<img src="data:image/png;base64,${png.toString('base64')}" alt="a taken for &quot;b&quot;"`);
    expect(html).toContain('<figure class="chart" id="c1"><svg xmlns="http://www.w3.org/2000/svg"></svg><figcaption>loss per epoch</figcaption></figure>');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
  });
});
