// `$c` and `${rate * c}` in block nodes: a tiny arithmetic language over block parameters.
// Grammar: expr = term (('+' | '-') term)*; term = unary (('*' | '/' | '//' | '%') unary)*;
// unary = '-' unary | atom; atom = number | name | '(' expr ')'. No calls, no strings: safe to
// evaluate, and errors name the expression and the unknown parameter.

export type ParamValue = number | boolean | string;
export type Scope = Readonly<Record<string, ParamValue>>;

export class ExpressionError extends Error {}

const WHOLE = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([^{}]+)\})$/;

export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && WHOLE.test(v);
}

/** Evaluates `$name` (any parameter value) or `${arithmetic}` (numbers only). */
export function evaluate(text: string, scope: Scope): ParamValue {
  const m = WHOLE.exec(text);
  if (!m) throw new ExpressionError(`'${text}' is not an expression ($name or \${...})`);
  if (m[1] !== undefined) return lookup(m[1], scope, text);
  const tokens = tokenize(m[2], text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expr = (): number => {
    let v = term();
    while (peek() === '+' || peek() === '-') v = next() === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = unary();
    for (;;) {
      const op = peek();
      if (op !== '*' && op !== '/' && op !== '//' && op !== '%') return v;
      next();
      const r = unary();
      if ((op === '/' || op === '//' || op === '%') && r === 0) throw new ExpressionError(`division by zero in '${text}'`);
      v = op === '*' ? v * r : op === '/' ? v / r : op === '//' ? Math.floor(v / r) : v % r;
    }
  };
  const unary = (): number => (peek() === '-' ? (next(), -unary()) : atom());
  const atom = (): number => {
    const t = next();
    if (t === undefined) throw new ExpressionError(`'${text}' ends too early`);
    if (t === '(') {
      const v = expr();
      if (next() !== ')') throw new ExpressionError(`missing ')' in '${text}'`);
      return v;
    }
    if (/^[0-9]/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) {
      const v = lookup(t, scope, text);
      if (typeof v !== 'number') throw new ExpressionError(`parameter '${t}' is ${JSON.stringify(v)}, not a number, in '${text}'`);
      return v;
    }
    throw new ExpressionError(`unexpected '${t}' in '${text}'`);
  };
  const value = expr();
  if (i !== tokens.length) throw new ExpressionError(`unexpected '${tokens[i]}' in '${text}'`);
  // 1e200 * 1e200: no layer size or rate means anything infinite (the pipeline's own numbers are
  // checked finite in config/finite.ts; this is what arithmetic on them can make).
  if (!Number.isFinite(value)) throw new ExpressionError(`'${text}' evaluates to ${value}, not a finite number`);
  return value;
}

function lookup(name: string, scope: Scope, text: string): ParamValue {
  // Own parameters only: `in` would find `constructor` or `toString` on every object.
  if (!Object.hasOwn(scope, name)) {
    const known = Object.keys(scope);
    throw new ExpressionError(`unknown parameter '${name}' in '${text}' (${known.length ? `parameters: ${known.join(', ')}` : 'no parameters here'})`);
  }
  return scope[name];
}

function tokenize(src: string, text: string): string[] {
  const out: string[] = [];
  const re = /\s*(\/\/|[-+*/%()]|[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?|[A-Za-z_][A-Za-z0-9_]*)/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new ExpressionError(`unexpected '${src.slice(pos).trim()[0]}' in '${text}'`);
    out.push(m[1]);
    pos = re.lastIndex;
  }
  return out;
}

/** Replaces every expression inside a node's parameters (lists included) by its value. */
export function substitute(value: unknown, scope: Scope): unknown {
  if (isExpression(value)) return evaluate(value, scope);
  if (Array.isArray(value)) return value.map((v) => substitute(v, scope));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, scope)]));
  return value;
}
