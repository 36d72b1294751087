// The ops' JSON Schema fragments: well-formed 2020-12 (ajv, strict), documented, and in step with
// the resolved types: the YAML of the contract, with ajv filling the declared defaults (as the
// resolver does), compiles and runs.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileChain } from '../../../src/data/augment/chain.js';
import { augmentOps, findAugmentOp } from '../../../src/data/augment/registry.js';
import type { ResolvedAugmentStep } from '../../../src/data/augment/steps.js';
import { Rng } from '../../../src/data/random.js';
import { testImage } from './helpers.js';

/** What the schema generator builds around the fragments: $defs.augment_step is their union. */
const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: { type: 'array', items: { $ref: '#/$defs/augment_step' } },
  $defs: {
    augment_step: { type: 'object', required: ['op'], discriminator: { propertyName: 'op' }, oneOf: augmentOps.map((op) => ({ $ref: `#/$defs/augment_${op.name}` })) },
    ...Object.fromEntries(augmentOps.map((op) => [`augment_${op.name}`, op.schema])),
  },
};
// strictRequired is off for the union wrapper only: its `required: [op]` sits beside oneOf, as the generator writes it.
const validate = new Ajv2020({ strict: true, strictRequired: false, discriminator: true, useDefaults: true, allErrors: true }).compile(schema);

/** Validates (filling defaults, as the resolver does) and returns the resolved chains. */
function resolve(yamlText: string): Record<string, ResolvedAugmentStep[]> {
  const data = parse(yamlText) as Record<string, ResolvedAugmentStep[]>;
  if (!validate(data)) throw new Error(JSON.stringify(validate.errors, null, 1));
  return data;
}

const CONTRACT = `
densenet:
  - op: random_apply
    p: 0.5
    chain:
      - {op: random_horizontal_flip, p: 0.5}
      - {op: random_vertical_flip, p: 0.2}
      - {op: gaussian_blur, kernel_size: 3, sigma: [0.1, 2.0]}
      - {op: random_crop, size: 64, padding: 10, fill: 0, padding_mode: constant}
      - {op: random_affine, degrees: 45, translate: [0.2, 0.2], shear: 16}
resnet_train:
  - {op: random_crop, size: 56}
  - op: random_choice
    choices:
      - {op: random_horizontal_flip, p: 0.6}
      - {op: random_vertical_flip, p: 0.6}
      - {op: random_rotation, degrees: 20}
      - {op: color_jitter, brightness: 0, contrast: [0.9, 1.08], saturation: 0, hue: 0}
resnet_val:
  - {op: center_crop, size: 56}
pretrain:
  - {op: cutout, num_holes: 12, max_h_size: 16, max_w_size: 16, fill_value: 0}
  - {op: normalize, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
every_op:
  - {op: resize, size: [70, 66]}
  - {op: compose, chain: [{op: color_jitter, hue: 0.1}]}
`;

describe('augmentation schema fragments', () => {
  it('one op per name, each fragment a closed object whose op is its name', () => {
    const names = augmentOps.map((op) => op.name);
    expect(new Set(names).size).toBe(names.length);
    for (const op of augmentOps) {
      expect(op.schema).toMatchObject({ type: 'object', additionalProperties: false, properties: { op: { const: op.name } } });
      expect((op.schema.required as string[])[0]).toBe('op');
      expect(op.description.length).toBeGreaterThan(20);
      expect(findAugmentOp(op.name)).toBe(op);
    }
  });

  it('describes every parameter, and gives a default to every optional one', () => {
    for (const op of augmentOps) {
      const required = new Set(op.schema.required as string[]);
      for (const [name, prop] of Object.entries(op.schema.properties as Record<string, Record<string, unknown>>)) {
        expect(typeof prop.description, `${op.name}.${name}`).toBe('string');
        if (!required.has(name)) expect('default' in prop, `${op.name}.${name} has a default`).toBe(true);
      }
    }
  });

  it('resolves the contract\'s YAML (defaults filled) into chains that compile and run', () => {
    const chains = resolve(CONTRACT);
    expect(chains.resnet_train[0]).toEqual({ op: 'random_crop', size: 56, padding: 0, pad_if_needed: false, fill: 0, padding_mode: 'constant' });
    expect(chains.densenet[0]).toMatchObject({ chain: [{}, {}, {}, {}, { scale: null, interpolation: 'nearest', fill: 0, center: null }] });
    const img = testImage(64, 64, 3);
    for (const [name, steps] of Object.entries(chains)) {
      const chain = compileChain(steps, { path: `augment.${name}`, input: { height: 64, width: 64, channels: 3 } });
      const out = chain.apply(img, Rng.from(1));
      expect(out.channels, name).toBe(3);
    }
    expect(compileChain(chains.pretrain).normalize).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it.each([
    ['an unknown parameter', '[{op: random_crop, size: 56, paddding: 4}]'],
    ['a missing required parameter', '[{op: gaussian_blur, sigma: 1}]'],
    ['a probability above 1', '[{op: random_horizontal_flip, p: 1.5}]'],
    ['a bad padding mode', '[{op: random_crop, size: 56, padding_mode: wrap}]'],
    ['three padding values', '[{op: random_crop, size: 56, padding: [1, 2, 3]}]'],
    ['a fill level above 255', '[{op: random_rotation, degrees: 5, fill: 300}]'],
    ['an unknown op', '[{op: random_erasing}]'],
    ['a nested unknown parameter', '[{op: random_apply, chain: [{op: random_vertical_flip, q: 1}]}]'],
    ['an out-of-range hue', '[{op: color_jitter, hue: 0.7}]'],
    ['a zero std', '[{op: normalize, mean: [0.5], std: [0]}]'],
  ])('rejects %s', (_, yaml) => {
    expect(validate({ x: parse(yaml) })).toBe(false);
  });
});

describe('docs/augmentation.md', () => {
  const doc = readFileSync(new URL('../../../docs/augmentation.md', import.meta.url), 'utf8');

  it('has an example that validates and compiles', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const chains = resolve(JSON.stringify((parse(yaml) as { augment: unknown }).augment));
    expect(Object.keys(chains)).toEqual(['densenet', 'resnet_train', 'resnet_val']);
    for (const steps of Object.values(chains)) expect(() => compileChain(steps, { input: { height: 64, width: 64, channels: 3 } })).not.toThrow();
  });

  it('lists every op in its table', () => {
    const listed = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(augmentOps.map((op) => op.name));
  });
});

