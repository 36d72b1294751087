// Charts are Vega-Lite specifications rendered to SVG by Vega's headless view (no canvas, no
// browser, no network). vega and vega-lite load here on first use only, so commands that draw
// no chart never pay for them.
import type { TopLevelSpec } from 'vega-lite';

/** Shared look: readable on screen and in print, no interaction (the SVG is static). */
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  // labelLimit 0: no cut. Without a canvas Vega over-estimates text widths and cut run names short.
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 0 },
  title: { fontSize: 13, anchor: 'start' as const, offset: 8 },
};

/**
 * The chart as an SVG element. Vega numbers its clip paths from 1 in every view, so two charts
 * inlined in one page would share `#clip1`: ids are prefixed with `id` to keep them apart.
 */
export async function renderSvg(spec: TopLevelSpec, id: string): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/id="([^"]+)"/g, `id="${id}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${id}-$1)`);
  } finally {
    view.finalize();
  }
}
