// pipe node names -> PyTorch module paths. A flat node name is its block uses and its own name
// joined by '/' (`layer1/2/conv1`: the second repeat copy of block use `layer1`, node `conv1`);
// a PyTorch module path joins attribute names and Sequential indices by '.' (`layer1.1.conv1`).
// The default rule: '/' becomes '.', and a numeric part (only repeat copies make one, counted
// from 1) becomes its index counted from 0, as nn.Sequential counts. `rename` rules then rewrite
// the result in order, each a JavaScript regular expression and a replacement with $1 groups.
export interface RenameRule {
  readonly match: string;
  readonly to: string;
}

/** The default rule alone: `layer1/2/conv1` -> `layer1.1.conv1`. */
export function torchPath(node: string): string {
  return node
    .split('/')
    .map((part) => (/^[0-9]+$/.test(part) ? String(Number(part) - 1) : part))
    .join('.');
}

/** The rename rules, compiled once; a bad pattern throws SyntaxError (check.ts locates it). */
export function renamer(rules: readonly RenameRule[]): (node: string) => string {
  const compiled = rules.map((r) => ({ re: new RegExp(r.match, 'g'), to: r.to }));
  return (node) => compiled.reduce((name, r) => name.replace(r.re, r.to), torchPath(node));
}
