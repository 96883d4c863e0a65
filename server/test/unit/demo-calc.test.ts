import { describe, expect, it } from 'vitest';
import { CalcError, evaluate, MAX_DEPTH, MAX_EXPRESSION_LENGTH } from '../../src/demo/calc.js';

function errorOf(expression: string): CalcError {
  try {
    evaluate(expression);
  } catch (error) {
    if (error instanceof CalcError) return error;
    throw error;
  }
  throw new Error(`expected "${expression}" to fail`);
}

describe('evaluate', () => {
  it.each([
    ['42', 42],
    ['1 + 2', 3],
    ['7 - 10', -3],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['5.5 % 2', 1.5],
    ['2 ^ 10', 1024],
    ['2 ** 10', 1024],
    ['1.5', 1.5],
    ['.5 + 5.', 5.5],
    ['1e3', 1000],
    ['2.5E-3 * 1000', 2.5],
    ['1e+2', 100],
  ])('computes %s = %s', (expression, expected) => {
    expect(evaluate(expression)).toBe(expected);
  });

  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 * 3 % 4', 2],
    ['2 ^ 3 ^ 2', 512],
    ['(2 ^ 3) ^ 2', 64],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['2 ^ -1 ^ 2', 0.5],
    ['-3 * -3', 9],
    ['--2', 2],
    ['+-+2', -2],
    ['1 - -1', 2],
    ['2 * (3 + (4 - 1)) / 3', 4],
    ['((((((1))))))', 1],
  ])('respects precedence and associativity: %s = %s', (expression, expected) => {
    expect(evaluate(expression)).toBe(expected);
  });

  it('ignores whitespace of every kind', () => {
    expect(evaluate(' \t1\n+\r\n2 ')).toBe(3);
    expect(evaluate('1+2*3')).toBe(7);
  });

  it('keeps IEEE-754 results as they are', () => {
    expect(evaluate('0.1 + 0.2')).toBe(0.1 + 0.2);
    expect(evaluate('1 / 3')).toBe(1 / 3);
  });

  it('never returns negative zero', () => {
    expect(Object.is(evaluate('-1 * 0'), 0)).toBe(true);
    expect(Object.is(evaluate('-0'), 0)).toBe(true);
  });

  it('rejects division and remainder by zero, including zero reached by arithmetic', () => {
    expect(errorOf('1 / 0').message).toBe('Division by zero at column 3');
    expect(errorOf('1 / (2 - 2)').message).toMatch(/^Division by zero/);
    expect(errorOf('5 % 0').message).toBe('Modulo by zero at column 3');
    expect(errorOf('0 ^ -1').message).toMatch(/^Division by zero/);
    expect(errorOf('0 / 0').message).toMatch(/^Division by zero/);
  });

  it('allows 0 ^ 0 and 0 ^ positive', () => {
    expect(evaluate('0 ^ 0')).toBe(1);
    expect(evaluate('0 ^ 2')).toBe(0);
  });

  it('rejects results that are not finite real numbers', () => {
    expect(errorOf('10 ^ 400').message).toBe('Result is too large to represent');
    expect(errorOf('1e308 * 10').message).toBe('Result is too large to represent');
    expect(errorOf('-1e308 - 1e308').message).toBe('Result is too large to represent');
    expect(errorOf('(-8) ^ (1/3)').message).toMatch(/is not a real number/);
    expect(errorOf('1e400').message).toBe('Number 1e400 is too large at column 1');
  });

  it('reports malformed expressions with the 1-based column', () => {
    expect(errorOf('').message).toBe('Expression is empty');
    expect(errorOf('   ').message).toBe('Expression is empty');
    expect(errorOf('1 +').message).toBe('Expected a number or "(" but found end of expression at column 4');
    expect(errorOf('* 2').message).toBe('Expected a number or "(" but found "*" at column 1');
    expect(errorOf('(1 + 2').message).toBe('Expected ")" but found end of expression at column 7');
    expect(errorOf('1 + 2)').message).toBe('Unexpected ")" at column 6');
    expect(errorOf('()').message).toBe('Expected a number or "(" but found ")" at column 2');
    expect(errorOf('2 ^').column).toBe(4);
    expect(errorOf('1 2').message).toBe('Unexpected number 2 (write * for multiplication) at column 3');
    expect(errorOf('2(3)').message).toBe('Unexpected "(" (write * for multiplication) at column 2');
    expect(errorOf('1..2').column).toBe(3);
    expect(errorOf('1 ** * 2').column).toBe(6);
  });

  it('names unsupported words and symbols instead of guessing what they mean', () => {
    expect(errorOf('sqrt(4)').message).toBe(
      'Unsupported "sqrt": only numbers, + - * / % ^ and parentheses are allowed at column 1',
    );
    expect(errorOf('2 * pi').message).toMatch(/^Unsupported "pi"/);
    expect(errorOf('1,000').message).toMatch(/^Unsupported ","/);
    expect(errorOf('3 × 4').message).toMatch(/^Unsupported "×".* at column 3$/);
    expect(errorOf('1 + 😀').message).toMatch(/^Unsupported "😀"/);
  });

  it('cannot be used to run code', () => {
    for (const attack of [
      'process.exit(1)',
      'constructor.constructor("return process")()',
      '1; require("fs")',
      '`${1}`',
      '[] + {}',
      'x = 1',
    ]) {
      expect(() => evaluate(attack), attack).toThrow(CalcError);
    }
  });

  it('bounds length and nesting so a hostile input cannot exhaust the stack', () => {
    expect(errorOf('1+'.repeat(MAX_EXPRESSION_LENGTH) + '1').message).toMatch(/longer than/);
    const fits = '('.repeat(MAX_DEPTH - 1) + '1' + ')'.repeat(MAX_DEPTH - 1);
    expect(evaluate(fits)).toBe(1);
    const tooDeep = '('.repeat(MAX_DEPTH) + '1' + ')'.repeat(MAX_DEPTH);
    expect(errorOf(tooDeep).message).toMatch(/nested more than/);
    expect(errorOf('-'.repeat(MAX_DEPTH + 1) + '1').message).toMatch(/nested more than/);
    expect(errorOf('2^'.repeat(MAX_DEPTH + 1) + '1').message).toMatch(/nested more than/);
  });

  it('evaluates long flat expressions without deep recursion', () => {
    expect(evaluate(Array.from({ length: 400 }, () => '1').join('+'))).toBe(400);
  });

  it('throws CalcError (an Error) so callers can tell user mistakes from bugs', () => {
    const error = errorOf('1/0');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CalcError');
  });
});
