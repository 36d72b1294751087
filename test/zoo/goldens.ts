// torchvision's goldens (scripts/make-zoo-goldens.py, test/fixtures/zoo/<model>.json) and the
// comparison of a planned pipe model against them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphPlan } from '../../src/graph/analyze.js';
import { REPO } from '../helpers/cli.js';
import { renamesFor, torchModule } from './naming.js';

export const GOLDEN_DIR = join(REPO, 'test', 'fixtures', 'zoo');

export interface GoldenSize {
  /** By class count ('1000', '10'); absent where torchvision cannot take the size. */
  readonly macs?: Readonly<Record<string, number>>;
  readonly output?: readonly number[];
  /** Leaf module path -> each distinct output shape it gave, [C, H, W] or [F] (no batch axis). */
  readonly shapes?: Readonly<Record<string, readonly (readonly number[])[]>>;
  /** Why torchvision cannot take this size (inception_v3 at 64, vit at anything but 224). */
  readonly error?: string;
}

export interface Golden {
  readonly model: string;
  readonly params: Readonly<Record<string, number>>;
  /** Modules holding parameters of their own. */
  readonly weighted: readonly string[];
  readonly sizes: Readonly<Record<string, GoldenSize>>;
}

/** Every model the goldens cover: torchvision 0.14's classifiers. */
export const GOLDEN_MODELS: readonly string[] = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();

export function golden(model: string): Golden {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, `${model}.json`), 'utf8')) as Golden;
}

/** pipe's [H, W, C] as PyTorch's [C, H, W]; flat shapes as they are. */
const torchShape = (s: readonly number[]) => (s.length === 3 ? [s[2], s[0], s[1]] : [...s]);
/** Equal shapes, where pipe's [C] is also AdaptiveAvgPool2d(1)'s [C, 1, 1]: global_avgpool is the pool and the flatten in one. */
const sameShape = (ours: readonly number[], theirs: readonly number[]) => text(ours) === text(theirs) || (ours.length === 1 && text([...ours, 1, 1]) === text(theirs));
const text = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * What differs between pipe's plan of `model` (analysed at `size` x `size` with `classes` classes)
 * and torchvision's: parameters, MACs, the output, each node's shape against its module's, and
 * modules with parameters that no node stands for. Empty when they agree.
 */
export function goldenDifferences(plan: GraphPlan, model: string, g: Golden, size: number, classes: number): string[] {
  const out: string[] = [];
  const at = g.sizes[String(size)];
  if (!at || at.error !== undefined || !at.shapes || !at.macs) return [`torchvision has no ${size}x${size} golden for ${g.model}: ${at?.error ?? 'not recorded'}`];
  const m = plan.models[model];
  if (m.trainable !== g.params[String(classes)]) out.push(`parameters: pipe ${m.trainable}, torchvision ${g.params[String(classes)]}`);
  if (m.macs !== at.macs[String(classes)]) out.push(`MACs at ${size}: pipe ${m.macs}, torchvision ${at.macs[String(classes)]}`);
  if (classes === 1000 && text(m.output) !== text(at.output ?? [])) out.push(`output: pipe ${text(m.output)}, torchvision ${text(at.output ?? [])}`);
  const seen = new Set<string>();
  const modules = new Set([...Object.keys(at.shapes), ...g.weighted]);
  const rename = renamesFor(g.model);
  for (const part of m.parts) {
    for (const n of plan.nodes[part]) {
      const module = torchModule(n.name, modules, rename);
      if (module === undefined) continue;
      seen.add(module); // (a module with parameters and no output of its own: convnext's CNBlock and its layer_scale)
      const shapes = at.shapes[module];
      if (!shapes) continue;
      const ours = torchShape(n.shape);
      // The classifier's shape follows the class count; the goldens' shapes are for 1000
      // (SqueezeNet's classifier is a conv: [classes, h, w] is torchvision's [1000, h, w]).
      const asThousand = classes !== 1000 && ours[0] === classes ? [1000, ...ours.slice(1)] : ours;
      if (!shapes.some((s) => sameShape(ours, s) || sameShape(asThousand, s))) out.push(`node ${n.name} (${module}) at ${size}: pipe ${text(ours)} as [C, H, W], torchvision ${shapes.map(text).join(' or ')}`);
    }
  }
  const unmatched = g.weighted.filter((w) => !seen.has(w));
  if (unmatched.length) out.push(`modules with parameters that no node stands for: ${unmatched.slice(0, 10).join(', ')}${unmatched.length > 10 ? ` and ${unmatched.length - 10} more` : ''}`);
  return out;
}
