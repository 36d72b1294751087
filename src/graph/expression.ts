// `$c` and `${rate * c}` in graph nodes: a tiny expression language over block parameters, the
// pipeline's `params`, a block's input shape (`in.channels`) and its copy (`repeat.index`).
// Grammar, loosest first (Python's precedence and words):
//   expr = or ('if' or 'else' expr)?      or = and ('or' and)*       and = not ('and' not)*
//   not = 'not' not | compare              compare = sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
//   sum = term (('+' | '-') term)*         term = unary (('*' | '/' | '//' | '%') unary)*
//   unary = '-' unary | atom               atom = number | 'string' | true | false | name | '(' expr ')'
// Strings only compare (`${act == 'relu6'}`). No calls: safe to evaluate, and errors name the
// expression and the unknown name.

export type ParamValue = number | boolean | string;
export type Scope = Readonly<Record<string, ParamValue>>;

export class ExpressionError extends Error {}

/** A plain name, or a dotted one the engine provides (`in.channels`, `repeat.index`). */
const NAME = '[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)?';
const WHOLE = new RegExp(`^\\$(?:(${NAME})|\\{([^{}]+)\\})$`);
const KEYWORDS = new Set(['and', 'or', 'not', 'if', 'else', 'true', 'false']);

export function isExpression(v: unknown): v is string {
  return typeof v === 'string' && WHOLE.test(v);
}

/** Evaluates `$name` (any value) or `${expression}` (a number or a boolean). */
export function evaluate(text: string, scope: Scope): ParamValue {
  const m = WHOLE.exec(text);
  if (!m) throw new ExpressionError(`'${text}' is not an expression ($name or \${...})`);
  if (m[1] !== undefined) return lookup(m[1], scope, text);
  const tokens = tokenize(m[2], text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const number = (v: ParamValue, where: string): number => {
    if (typeof v !== 'number') throw new ExpressionError(`${where} needs a number, found ${JSON.stringify(v)}, in '${text}'`);
    return v;
  };
  const truth = (v: ParamValue, where: string): boolean => {
    if (typeof v !== 'boolean') throw new ExpressionError(`${where} needs true or false, found ${JSON.stringify(v)}, in '${text}'`);
    return v;
  };
  // Each rule returns a thunk, so `a if c else b`, `and` and `or` evaluate only the side they use.
  type Value = () => ParamValue;
  const expr = (): Value => {
    const v = or();
    if (peek() !== 'if') return v;
    next();
    const condition = or();
    if (next() !== 'else') throw new ExpressionError(`'if' without 'else' in '${text}' (write: a if condition else b)`);
    const otherwise = expr();
    return () => (truth(condition(), "'if'") ? v() : otherwise());
  };
  const or = (): Value => {
    let v = and();
    while (peek() === 'or') {
      next();
      const [l, r] = [v, and()];
      v = () => truth(l(), "'or'") || truth(r(), "'or'");
    }
    return v;
  };
  const and = (): Value => {
    let v = not();
    while (peek() === 'and') {
      next();
      const [l, r] = [v, not()];
      v = () => truth(l(), "'and'") && truth(r(), "'and'");
    }
    return v;
  };
  const not = (): Value => {
    if (peek() !== 'not') return compare();
    next();
    const v = not();
    return () => !truth(v(), "'not'");
  };
  const compare = (): Value => {
    const l = sum();
    const op = peek();
    if (op !== '==' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return l;
    next();
    const r = sum();
    return () => {
      const [v, w] = [l(), r()];
      if (op === '==' || op === '!=') {
        if (typeof v !== typeof w) throw new ExpressionError(`'${op}' compares a ${typeof v} with a ${typeof w} in '${text}'`);
        return (v === w) === (op === '==');
      }
      const [a, b] = [number(v, `'${op}'`), number(w, `'${op}'`)];
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    };
  };
  const sum = (): Value => {
    let v = term();
    while (peek() === '+' || peek() === '-') {
      const op = next();
      const [l, r] = [v, term()];
      v = () => (op === '+' ? number(l(), "'+'") + number(r(), "'+'") : number(l(), "'-'") - number(r(), "'-'"));
    }
    return v;
  };
  const term = (): Value => {
    let v = unary();
    for (;;) {
      const op = peek();
      if (op !== '*' && op !== '/' && op !== '//' && op !== '%') return v;
      next();
      const [l, r] = [v, unary()];
      v = () => {
        const [a, b] = [number(l(), `'${op}'`), number(r(), `'${op}'`)];
        if (op !== '*' && b === 0) throw new ExpressionError(`division by zero in '${text}'`);
        return op === '*' ? a * b : op === '/' ? a / b : op === '//' ? Math.floor(a / b) : a % b;
      };
    }
  };
  const unary = (): Value => {
    if (peek() !== '-') return atom();
    next();
    const v = unary();
    return () => -number(v(), "'-'");
  };
  const atom = (): Value => {
    const t = next();
    if (t === undefined) throw new ExpressionError(`'${text}' ends too early`);
    if (t === '(') {
      const v = expr();
      if (next() !== ')') throw new ExpressionError(`missing ')' in '${text}'`);
      return v;
    }
    if (t === 'true' || t === 'false') return () => t === 'true';
    if (t.startsWith("'")) return () => t.slice(1, -1);
    if (/^[0-9]/.test(t)) return () => Number(t);
    if (/^[A-Za-z_]/.test(t) && !KEYWORDS.has(t)) return () => lookup(t, scope, text);
    throw new ExpressionError(`unexpected '${t}' in '${text}'`);
  };
  const parsed = expr();
  if (i !== tokens.length) throw new ExpressionError(`unexpected '${tokens[i]}' in '${text}'`);
  const value = parsed();
  // 1e200 * 1e200: no layer size or rate means anything infinite (the pipeline's own numbers are
  // checked finite in config/finite.ts; this is what arithmetic on them can make).
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ExpressionError(`'${text}' evaluates to ${value}, not a finite number`);
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
  const re = new RegExp(`\\s*(//|==|!=|<=|>=|[-+*/%()<>]|'[^']*'|[0-9]+(?:\\.[0-9]+)?(?:e[-+]?[0-9]+)?|${NAME})`, 'y');
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
