/**
 * Arithmetic for the demo's `calculate` tool: a hand-written tokenizer and recursive-descent parser,
 * so text from the model never reaches `eval` or `Function`.
 *
 * Grammar, loosest binding first:
 *   expression := term (('+' | '-') term)*
 *   term       := unary (('*' | '/' | '%') unary)*
 *   unary      := ('+' | '-') unary | power
 *   power      := primary (('^' | '**') unary)?
 *   primary    := number | '(' expression ')'
 *
 * `unary` sits above `power` so that -2^2 is -4 as on paper, while `power` takes a `unary` on its right
 * so that 2^-1 works and 2^3^2 groups as 2^(3^2). `%` is the remainder with the dividend's sign (JS `%`).
 * Numbers are IEEE-754 doubles, so 0.1 + 0.2 is 0.30000000000000004 like everywhere else.
 */

export const MAX_EXPRESSION_LENGTH = 1000;
/** Nesting beyond this is rejected before it can exhaust the call stack. */
export const MAX_DEPTH = 100;

/** A user-facing problem with the expression; `column` is 1-based, or undefined when it is about the result. */
export class CalcError extends Error {
  readonly column: number | undefined;

  constructor(message: string, column?: number) {
    super(column === undefined ? message : `${message} at column ${column}`);
    this.name = 'CalcError';
    this.column = column;
  }
}

type Operator = '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')';

type Token = { kind: 'number'; value: number; column: number } | { kind: Operator; column: number };

// Sticky, so each match is anchored at `lastIndex`. Covers 12, 1.5, .5, 5., 1e3 and 2.5E-3.
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORDLIKE = /[\p{L}\p{N}_.]+/uy;
const OPERATORS = new Set<string>(['+', '-', '*', '/', '%', '^', '(', ')']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const column = index + 1;
    NUMBER.lastIndex = index;
    const number = NUMBER.exec(source);
    if (number) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new CalcError(`Number ${number[0]} is too large`, column);
      tokens.push({ kind: 'number', value, column });
      index += number[0].length;
      continue;
    }
    if (source.startsWith('**', index)) {
      tokens.push({ kind: '^', column });
      index += 2;
      continue;
    }
    if (OPERATORS.has(char)) {
      tokens.push({ kind: char as Operator, column });
      index += 1;
      continue;
    }
    // Name the whole word (sqrt, pi, x) rather than its first letter, so the model sees what to drop.
    WORDLIKE.lastIndex = index;
    const word = WORDLIKE.exec(source)?.[0] ?? String.fromCodePoint(source.codePointAt(index) ?? 0);
    throw new CalcError(
      `Unsupported "${word}": only numbers, + - * / % ^ and parentheses are allowed`,
      column,
    );
  }
  return tokens;
}

function describe(token: Token | undefined): string {
  if (token === undefined) return 'end of expression';
  return token.kind === 'number' ? `number ${token.value}` : `"${token.kind}"`;
}

class Parser {
  private readonly tokens: Token[];
  private readonly endColumn: number;
  private position = 0;
  private depth = 0;

  constructor(tokens: Token[], endColumn: number) {
    this.tokens = tokens;
    this.endColumn = endColumn;
  }

  parse(): number {
    const value = this.expression();
    const extra = this.peek();
    if (extra !== undefined) {
      const hint = extra.kind === 'number' || extra.kind === '(' ? ' (write * for multiplication)' : '';
      throw new CalcError(`Unexpected ${describe(extra)}${hint}`, extra.column);
    }
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token | undefined {
    const token = this.tokens[this.position];
    this.position += 1;
    return token;
  }

  private expression(): number {
    let value = this.term();
    for (let token = this.peek(); token?.kind === '+' || token?.kind === '-'; token = this.peek()) {
      this.position += 1;
      const right = this.term();
      value = checked(token.kind === '+' ? value + right : value - right);
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    for (
      let token = this.peek();
      token?.kind === '*' || token?.kind === '/' || token?.kind === '%';
      token = this.peek()
    ) {
      this.position += 1;
      const right = this.unary();
      if (token.kind === '*') {
        value = checked(value * right);
      } else if (right === 0) {
        throw new CalcError(token.kind === '/' ? 'Division by zero' : 'Modulo by zero', token.column);
      } else {
        value = checked(token.kind === '/' ? value / right : value % right);
      }
    }
    return value;
  }

  private unary(): number {
    this.depth += 1;
    try {
      const token = this.peek();
      if (this.depth > MAX_DEPTH) {
        throw new CalcError(`Expression is nested more than ${MAX_DEPTH} levels deep`, token?.column);
      }
      if (token?.kind === '-' || token?.kind === '+') {
        this.position += 1;
        const operand = this.unary();
        return token.kind === '-' ? -operand : operand;
      }
      return this.power();
    } finally {
      this.depth -= 1;
    }
  }

  private power(): number {
    const base = this.primary();
    const token = this.peek();
    if (token?.kind !== '^') return base;
    this.position += 1;
    const exponent = this.unary();
    if (base === 0 && exponent < 0) throw new CalcError('Division by zero', token.column);
    const value = base ** exponent;
    if (Number.isNaN(value)) {
      throw new CalcError(`${base} ^ ${exponent} is not a real number`, token.column);
    }
    return checked(value);
  }

  private primary(): number {
    const token = this.next();
    if (token?.kind === 'number') return token.value;
    if (token?.kind === '(') {
      const value = this.expression();
      const close = this.next();
      if (close?.kind !== ')') {
        throw new CalcError(`Expected ")" but found ${describe(close)}`, close?.column ?? this.endColumn);
      }
      return value;
    }
    throw new CalcError(
      `Expected a number or "(" but found ${describe(token)}`,
      token?.column ?? this.endColumn,
    );
  }
}

function checked(value: number): number {
  if (!Number.isFinite(value)) throw new CalcError('Result is too large to represent');
  return value;
}

/** Evaluates `expression` or throws a CalcError that is fit to show the user. */
export function evaluate(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new CalcError(`Expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new CalcError('Expression is empty');
  const value = new Parser(tokens, expression.length + 1).parse();
  // -0 is an artefact of IEEE-754 that only confuses a reader ("-0" for "-1 * 0").
  return value === 0 ? 0 : value;
}
