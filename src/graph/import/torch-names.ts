// pipe node names -> PyTorch module paths. A flat node name is its block uses and its own name
// joined by '/' (`layer1/conv1`); a PyTorch module path joins attribute names and Sequential
// indices by '.' (`layer1.0.conv1`). The default rule is only that: '/' becomes '.', so a model
// whose nodes are named after the modules needs nothing more. `rename` rules then rewrite the
// result in order, each a JavaScript regular expression (every match) and a replacement with $1
// groups, e.g. {match: '_(\d+)(?=\.|$)', to: '.$1'} for `layer2_0/downsample_1`.
export interface RenameRule {
  readonly match: string;
  readonly to: string;
}

/** The default rule alone: `layer1/conv1` -> `layer1.conv1`. */
export function torchPath(node: string): string {
  return node.split('/').join('.');
}

/** The rename rules, compiled once; a bad pattern throws SyntaxError (plan.ts locates it). */
export function renamer(rules: readonly RenameRule[]): (node: string) => string {
  const compiled = rules.map((r) => ({ re: new RegExp(r.match, 'g'), to: r.to }));
  return (node) => compiled.reduce((name, r) => name.replace(r.re, r.to), torchPath(node));
}
