// The browser bundles of Vega, Vega-Lite and vega-embed, served from the installed packages
// (never a CDN: the pages work offline and ask no other host). Their packages export only the
// module builds, so each bundle is found beside its package's entry point.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL name -> the package whose build/ folder holds it. */
const BUNDLES: Readonly<Record<string, string>> = {
  'vega.min.js': 'vega',
  'vega-lite.min.js': 'vega-lite',
  'vega-embed.min.js': 'vega-embed',
};

export function vendorNames(): string[] {
  return Object.keys(BUNDLES);
}

/** The bundle's bytes, read once. */
const loaded = new Map<string, Buffer>();
export function vendorBundle(name: string): Buffer | null {
  if (!Object.hasOwn(BUNDLES, name)) return null;
  const pkg = BUNDLES[name];
  let bytes = loaded.get(name);
  if (!bytes) {
    bytes = readFileSync(join(dirname(fileURLToPath(import.meta.resolve(pkg))), name));
    loaded.set(name, bytes);
  }
  return bytes;
}
