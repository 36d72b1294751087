// Time to accuracy on Fashion-MNIST (issue 9): the engine's run of pipelines/fashion-resnet.yaml
// against the same recipe in PyTorch (bench/reference/fashion_resnet.py --json), epoch by epoch,
// and the time each took to first reach the target test top-1, with the ratio.
//
//   npm run bench:fashion -- --engine outputs/runs/fashion_resnet-<time> --torch torch.json
//   npm run bench:fashion -- --engine RUN/metrics.jsonl --torch torch.json --target 0.93
//
// Both times are cumulative seconds of training plus evaluation over the epochs up to the first
// one whose test top-1 reaches the target: the engine's metrics.jsonl `seconds` covers exactly
// that per epoch (not decoding or compiling), and the peer records the same. A run still in
// progress, or stopped, is read as far as it got, and said to be. A resumed run's `seconds` for
// the epoch it was stopped in counts only the part after the resume.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, inputError, InputError } from '../src/errors.js';

/** One epoch of either side: test top-1 in [0, 1] and cumulative training + evaluation seconds. */
interface Point {
  readonly epoch: number;
  readonly top1: number;
  readonly cumSeconds: number;
}

interface Side {
  readonly label: string;
  readonly points: readonly Point[];
  /** Epochs the run was set to train; more than points.length while it is still running. */
  readonly planned: number;
}

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw inputError(`${path}: no such file`, { hint: what });
  return readFileSync(path, 'utf8');
}

function parseJson(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw inputError(`not JSON (${(e as Error).message})`, { location: { file, line, col: 1 } });
  }
}

function num(v: unknown, file: string, line: number, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError(`${field} is ${JSON.stringify(v)}, expected a number`, { location: { file, line, col: 1 } });
  return v;
}

/** The engine's side: a run folder (or its metrics.jsonl), one stage's records in order. */
function engineSide(path: string, stage: string | undefined): Side {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const file = isDir ? join(path, 'metrics.jsonl') : path;
  const runJson = join(isDir ? path : dirname(path), 'run.json');
  const lines = readText(file, 'pass a `pipe run` output folder or its metrics.jsonl').split('\n');
  const records = lines.flatMap((text, i) => (text.trim() === '' ? [] : [{ line: i + 1, r: parseJson(text, file, i + 1) as Record<string, unknown> }]));
  const stages = [...new Set(records.map(({ r }) => String(r.stage)))];
  const chosen = stage ?? (stages.length === 1 ? stages[0] : undefined);
  if (chosen === undefined || !stages.includes(chosen)) {
    throw inputError(stages.length === 0 ? `${file}: no epoch has finished yet` : `${file}: ${stage === undefined ? 'several stages' : `no stage '${stage}'`}; name one of ${stages.join(', ')} with --stage`);
  }
  let cum = 0;
  let planned = 0;
  const points = records.filter(({ r }) => r.stage === chosen).map(({ line, r }) => {
    const val = r.val as { top1?: unknown } | null;
    cum += num(r.seconds, file, line, 'seconds');
    planned = num(r.epochs, file, line, 'epochs');
    return { epoch: num(r.epoch, file, line, 'epoch'), top1: num(val?.top1, file, line, 'val.top1'), cumSeconds: cum };
  });
  const backend = existsSync(runJson) ? (parseJson(readFileSync(runJson, 'utf8'), runJson, 1) as { backend?: { kind?: string } }).backend?.kind : undefined;
  return { label: `engine (${backend ?? 'backend unknown'})`, points, planned };
}

/** The peer's side: fashion_resnet.py --json. */
function torchSide(path: string): Side {
  const doc = parseJson(readText(path, 'the output of bench/reference/fashion_resnet.py --json'), path, 1) as Record<string, unknown>;
  if (!Array.isArray(doc.epochs)) throw inputError(`${path}: no 'epochs' list: not the output of fashion_resnet.py --json`);
  const points = (doc.epochs as Record<string, unknown>[]).map((e) => ({
    epoch: num(e.epoch, path, 1, 'epochs[].epoch'),
    top1: num(e.test_top1, path, 1, 'epochs[].test_top1'),
    cumSeconds: num(e.cum_s, path, 1, 'epochs[].cum_s'),
  }));
  const recipe = doc.recipe as { epochs?: number } | undefined;
  return { label: `${String(doc.engine)} (${String(doc.threads)} thread(s))`, points, planned: recipe?.epochs ?? points.length };
}

function firstReaching(side: Side, target: number): Point | null {
  return side.points.find((p) => p.top1 >= target) ?? null;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function describe(side: Side, target: number): string {
  const hit = firstReaching(side, target);
  const done = side.points.length;
  const progress = done < side.planned ? `, run unfinished: ${done} of ${side.planned} epochs (still running, or stopped: pipe run --resume continues it)` : '';
  const last = done > 0 ? `; last test top-1 ${pct(side.points[done - 1].top1)} at epoch ${side.points[done - 1].epoch}` : '';
  const reach = hit ? `${pct(target)} at epoch ${hit.epoch} after ${hit.cumSeconds.toFixed(1)} s` : `${pct(target)} not reached in ${done} epochs`;
  return `${side.label}: ${reach}${last}${progress}`;
}

function report(engine: Side, torch: Side, target: number): string {
  const rows = Math.max(engine.points.length, torch.points.length);
  const cell = (p: Point | undefined) => (p ? `${pct(p.top1).padStart(7)} ${p.cumSeconds.toFixed(1).padStart(8)}` : `${'-'.padStart(7)} ${'-'.padStart(8)}`);
  const out = [`test top-1 and cumulative seconds (training + evaluation) per epoch; target ${pct(target)}`, `epoch  ${'engine'.padEnd(16)}  pytorch`];
  for (let i = 0; i < rows; i++) out.push(`${String(i + 1).padStart(5)}  ${cell(engine.points[i])}  ${cell(torch.points[i])}`);
  out.push(describe(engine, target), describe(torch, target));
  const [e, t] = [firstReaching(engine, target), firstReaching(torch, target)];
  out.push(e && t ? `time to ${pct(target)}, engine / pytorch: ${(e.cumSeconds / t.cumSeconds).toFixed(2)}x` : `time to ${pct(target)}, engine / pytorch: not measured (${e ? 'pytorch' : 'the engine'} has not reached it)`);
  return out.join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, torch: { type: 'string' }, target: { type: 'string', default: '0.91' }, stage: { type: 'string' } } });
  if (!values.engine || !values.torch) throw inputError('usage: npm run bench:fashion -- --engine RUN_DIR|metrics.jsonl --torch TORCH.json [--target 0.91] [--stage NAME]');
  const target = Number(values.target);
  if (!(target > 0 && target <= 1)) throw inputError(`--target: ${values.target} is not a share in (0, 1]`);
  console.log(report(engineSide(values.engine, values.stage), torchSide(values.torch), target));
}

try {
  main();
} catch (e) {
  if (!(e instanceof InputError)) throw e;
  for (const d of e.diagnostics) console.error(formatDiagnostic(d));
  process.exitCode = 2;
}
