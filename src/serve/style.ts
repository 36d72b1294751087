// The pages' one style sheet, served as /assets/style.css (a file of its own: the
// Content-Security-Policy allows no inline style element).
export const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 16px auto; max-width: 1500px; padding: 0 16px; }
nav { font-size: 13px; margin-bottom: 8px; } a { color: #1f5fa8; }
h1 { font-size: 22px; margin: 4px 0; word-break: break-all; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; margin-top: 20px; }
table.list { border-collapse: collapse; margin: 8px 0 16px; }
table.list th, table.list td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: left; vertical-align: top; }
table.list th { background: #f6f6f6; } table.list th.sortable { cursor: pointer; user-select: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { padding: 1px 7px; border-radius: 9px; font-size: 12px; color: #fff; background: #888; }
.badge.running { background: #2e8b57; } .badge.done { background: #4c78a8; } .badge.stopped { background: #b07d2b; } .badge.failed, .badge.unreadable { background: #c43d3d; }
.live { float: right; font-size: 12px; color: #777; margin: 0; } .problem { color: #c43d3d; }
.chart { margin: 8px 0 16px; } .controls { font-size: 12px; color: #555; margin: 4px 0; } .controls label { margin-right: 14px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(700px, 1fr)); gap: 0 16px; }
.thumbs { display: flex; gap: 6px; flex-wrap: wrap; } .thumb { text-align: center; font-size: 11px; color: #555; max-width: 110px; }
.thumb img { display: block; width: 72px; height: 72px; image-rendering: pixelated; margin: 0 auto; }
pre.diff { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }
/* vega-tooltip's own style, here because the policy allows no style element of its making. */
#vg-tooltip-element { visibility: hidden; padding: 8px; position: fixed; z-index: 1000; font: 12px sans-serif; border-radius: 3px; box-shadow: 2px 2px 4px rgba(0,0,0,0.1); background: rgba(255,255,255,0.95); border: 1px solid #d9d9d9; }
#vg-tooltip-element.visible { visibility: visible; } #vg-tooltip-element table { border-spacing: 0; }
#vg-tooltip-element td.key { color: #808080; text-align: right; padding-right: 4px; } #vg-tooltip-element h2 { margin: 0 0 4px; font-size: 13px; border: 0; }
#best { background: #f3f7fb; padding: 6px 12px; border-left: 3px solid #4c78a8; }
`;
