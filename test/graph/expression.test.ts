import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, substitute } from '../../src/graph/expression.js';

describe('block expressions', () => {
  it.each([
    ['${rate * c}', { rate: 2, c: 64 }, 128],
    ['${(a + b) * 2 - 1}', { a: 1, b: 2 }, 5],
    ['${c // 3}', { c: 10 }, 3],
    ['${c % 3}', { c: 10 }, 1],
    ['${c / 4}', { c: 10 }, 2.5],
    ['${-c + 1}', { c: 3 }, -2],
    ['${2 * 1e2}', {}, 200],
    ['$c', { c: 'same' }, 'same'],
  ])('%s with %j is %j', (text, scope, expected) => {
    expect(evaluate(text, scope)).toBe(expected);
  });

  it.each([
    ['${c * d}', { c: 1 }, "unknown parameter 'd' in '${c * d}' (parameters: c)"],
    ['${c / 0}', { c: 1 }, "division by zero in '${c / 0}'"],
    ['${c +}', { c: 1 }, "'${c +}' ends too early"],
    ['${(c}', { c: 1 }, "missing ')' in '${(c}'"],
    ['${c c}', { c: 1 }, "unexpected 'c' in '${c c}'"],
    ['${c * p}', { c: 1, p: 'same' }, "parameter 'p' is \"same\", not a number, in '${c * p}'"],
    ['${c; 1}', { c: 1 }, "unexpected ';' in '${c; 1}'"],
    ['${c * c}', { c: 1e200 }, "'${c * c}' evaluates to Infinity, not a finite number"],
    ['${-c * 1e300}', { c: 1e10 }, "'${-c * 1e300}' evaluates to -Infinity, not a finite number"],
    ['${1e999}', {}, "'${1e999}' evaluates to Infinity, not a finite number"],
    ['${c - c}', { c: 1e308 * 10 }, "'${c - c}' evaluates to NaN, not a finite number"],
    ['${constructor}', { c: 1 }, "unknown parameter 'constructor' in '${constructor}' (parameters: c)"],
    ['${toString * 2}', { c: 1 }, "unknown parameter 'toString' in '${toString * 2}' (parameters: c)"],
    ['$__proto__', {}, "unknown parameter '__proto__' in '$__proto__' (no parameters here)"],
  ])('%s is an error: %s', (text, scope, message) => {
    expect(() => evaluate(text, scope)).toThrow(new ExpressionError(message));
  });

  it('substitutes inside lists and maps and leaves other values alone', () => {
    expect(substitute({ kernel: ['$kh', '$kw'], filters: '${2 * c}', padding: 'same', n: 3 }, { kh: 1, kw: 7, c: 8 })).toEqual({ kernel: [1, 7], filters: 16, padding: 'same', n: 3 });
  });
});
