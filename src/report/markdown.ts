// report.md: the document as GitHub-flavoured Markdown; charts and pictures are files beside it.
import { chartFile, type Block, type Cell, type ReportDocument } from './document.js';

export function toMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${literal(doc.title)}`, '', ...doc.runs.map((r) => `- ${literal(r)}`), ''];
  for (const s of doc.sections) {
    out.push(`${'#'.repeat(s.level)} ${literal(s.title)}`, '');
    for (const b of s.blocks) out.push(block(b), '');
  }
  return out.join('\n');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'text':
      return literal(b.text);
    case 'table': {
      const head = `| ${b.columns.map((c) => cellText(c.title)).join(' | ')} |`;
      const rule = `|${b.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`;
      const rows = b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
      return [...(b.caption ? [`*${literal(b.caption)}*`, ''] : []), head, rule, ...rows].join('\n');
    }
    case 'chart':
      return `![${literal(b.caption)}](${chartFile(b.id)})\n\n*${literal(b.caption)}*`;
    case 'picture':
      return `![${literal(b.image.alt)}](${b.image.file})\n\n*${literal(b.caption)}*`;
    default:
      return exhaustive(b);
  }
}

function cell(c: Cell): string {
  if (typeof c === 'string') return cellText(c);
  return c.images.map((i) => `![${cellText(i.alt)}](${i.file})`).join(' ');
}

/** A table cell holds one line, and `|` would end it. */
function cellText(s: string): string {
  return literal(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Text that Markdown shows as written: names come from users' files (trial values, class names),
 * and `<script>` must stay text, a backtick or `*` start no code or emphasis, `[` no link. `_`
 * inside a word (`task2_ae`) emphasises nothing in GitHub's Markdown and stays bare; `&` only
 * before what reads as an entity (`&lt;`).
 */
function literal(s: string): string {
  return s.replace(/[\\`*<>[\]]|&(?=#?\w+;)|(?<!\w)_|_(?!\w)/g, '\\$&');
}

function exhaustive(b: never): never {
  throw new Error(`unknown block ${JSON.stringify(b)}`);
}
