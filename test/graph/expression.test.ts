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
    ['$in.channels', { 'in.channels': 64 }, 64],
    ['${in.channels != c}', { 'in.channels': 64, c: 64 }, false],
    ['${stride != 1 or in.channels != c}', { stride: 2, 'in.channels': 64, c: 64 }, true],
    ['${stride > 1 and not flag}', { stride: 2, flag: false }, true],
    ['${(a < b) == true}', { a: 1, b: 2 }, true],
    ['${a <= 1 and a >= 1}', { a: 1 }, true],
    ['${stride if repeat.index == 0 else 1}', { stride: 2, 'repeat.index': 0 }, 2],
    ['${stride if repeat.index == 0 else 1}', { stride: 2, 'repeat.index': 3 }, 1],
    ['${1 if a else 2 if b else 3}', { a: false, b: false }, 3],
    ['${(c + 1) // 2 * 2}', { c: 7 }, 8],
    // Only the branch taken is evaluated, as in Python.
    ['${c // g if g > 0 else c}', { c: 8, g: 0 }, 8],
    ['${true or c // 0}', { c: 1 }, true],
    ["${act == 'hardswish'}", { act: 'hardswish' }, true],
    ["${act != 'relu' and k == 3}", { act: 'relu', k: 3 }, false],
  ])('%s with %j is %j', (text, scope, expected) => {
    expect(evaluate(text, scope)).toBe(expected);
  });

  it.each([
    ['${c * d}', { c: 1 }, "unknown parameter 'd' in '${c * d}' (parameters: c)"],
    ['${c / 0}', { c: 1 }, "division by zero in '${c / 0}'"],
    ['${c +}', { c: 1 }, "'${c +}' ends too early"],
    ['${(c}', { c: 1 }, "missing ')' in '${(c}'"],
    ['${c c}', { c: 1 }, "unexpected 'c' in '${c c}'"],
    ['${c * p}', { c: 1, p: 'same' }, "'*' needs a number, found \"same\", in '${c * p}'"],
    ['${c; 1}', { c: 1 }, "unexpected ';' in '${c; 1}'"],
    ['${c * c}', { c: 1e200 }, "'${c * c}' evaluates to Infinity, not a finite number"],
    ['${-c * 1e300}', { c: 1e10 }, "'${-c * 1e300}' evaluates to -Infinity, not a finite number"],
    ['${1e999}', {}, "'${1e999}' evaluates to Infinity, not a finite number"],
    ['${c - c}', { c: 1e308 * 10 }, "'${c - c}' evaluates to NaN, not a finite number"],
    ['${constructor}', { c: 1 }, "unknown parameter 'constructor' in '${constructor}' (parameters: c)"],
    ['${toString * 2}', { c: 1 }, "unknown parameter 'toString' in '${toString * 2}' (parameters: c)"],
    ['$__proto__', {}, "unknown parameter '__proto__' in '$__proto__' (no parameters here)"],
    ['${in.channels * 2}', { c: 1 }, "unknown parameter 'in.channels' in '${in.channels * 2}' (parameters: c)"],
    ['${c + true}', { c: 1 }, "'+' needs a number, found true, in '${c + true}'"],
    ['${act + 1}', { act: 'relu' }, "'+' needs a number, found \"relu\", in '${act + 1}'"],
    ['${act == 1}', { act: 'relu' }, "'==' compares a string with a number in '${act == 1}'"],
    ["${act == 'relu}", { act: 'relu' }, "unexpected ''' in '${act == 'relu}'"],
    ['${c if c else 1}', { c: 1 }, "'if' needs true or false, found 1, in '${c if c else 1}'"],
    ['${c if c > 0}', { c: 1 }, "'if' without 'else' in '${c if c > 0}' (write: a if condition else b)"],
    ['${c == true}', { c: 1 }, "'==' compares a number with a boolean in '${c == true}'"],
    ['${not c}', { c: 1 }, "'not' needs true or false, found 1, in '${not c}'"],
    ['${c and true}', { c: 2 }, "'and' needs true or false, found 2, in '${c and true}'"],
    ['${c < false}', { c: 2 }, "'<' needs a number, found false, in '${c < false}'"],
    ['${c or}', { c: 1 }, "'${c or}' ends too early"],
    ['${if}', { c: 1 }, "unexpected 'if' in '${if}'"],
    ['${c = 1}', { c: 1 }, "unexpected '=' in '${c = 1}'"],
    // Comparisons do not chain (Python's a < b < c would): parentheses say which is meant.
    ['${0 < c < 2}', { c: 1 }, "unexpected '<' in '${0 < c < 2}'"],
  ])('%s is an error: %s', (text, scope, message) => {
    expect(() => evaluate(text, scope)).toThrow(new ExpressionError(message));
  });

  it('substitutes inside lists and maps and leaves other values alone', () => {
    expect(substitute({ kernel: ['$kh', '$kw'], filters: '${2 * c}', padding: 'same', n: 3 }, { kh: 1, kw: 7, c: 8 })).toEqual({ kernel: [1, 7], filters: 16, padding: 'same', n: 3 });
  });
});
