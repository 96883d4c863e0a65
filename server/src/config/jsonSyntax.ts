/**
 * Finds the first JSON syntax error and says how to fix it. V8's messages differ between Node versions and
 * sometimes carry no position at all ("Unexpected token '}', ... is not valid JSON"), so Ferry locates errors
 * itself. Only called after JSON.parse failed, so speed does not matter.
 */
export interface JsonSyntaxProblem {
  /** 0-based offset into the text. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like every editor's column counter for BMP text. */
  column: number;
  problem: string;
  fix: string;
}

class Located extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

const VALUE_FIX = 'write a value: a "string", a number, true, false, null, an object {...} or a list [...]';

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  fail(problem: string, fix: string, at = this.i): never {
    throw new Located(at, problem, fix);
  }

  whitespace(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] ?? '')) this.i++;
    const next = this.s[this.i + 1];
    if (this.s[this.i] === '/' && (next === '/' || next === '*')) {
      this.fail('comments are not allowed in JSON', 'delete the comment');
    }
  }

  document(): void {
    this.whitespace();
    if (this.i >= this.s.length) this.fail('the file is empty', 'write {} into it, or delete it');
    this.value();
    this.whitespace();
    if (this.i < this.s.length) {
      this.fail(
        'unexpected text after the end of the top-level value',
        'the file must hold exactly one JSON object; remove the extra text or merge it into the object',
      );
    }
  }

  value(): void {
    this.whitespace();
    const c = this.s[this.i];
    if (c === undefined) this.fail('the file ends where a value was expected', VALUE_FIX);
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === "'")
      this.fail('strings must be in double quotes', 'replace the single quotes with double quotes');
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    const word = /^[A-Za-z_$][\w$]*/.exec(this.s.slice(this.i))?.[0];
    if (word === 'true' || word === 'false' || word === 'null') {
      this.i += word.length;
      return;
    }
    if (word)
      this.fail(
        `unexpected word "${word}"`,
        `put text in double quotes ("${word}") or use true, false or null`,
      );
    this.fail(`unexpected character ${JSON.stringify(c)}`, VALUE_FIX);
  }

  object(): void {
    this.list('}', (open) => this.entry(open), [
      'expected "," or "}" after the value',
      'put a comma between entries, or close the object with "}"',
    ]);
  }

  array(): void {
    this.list(']', () => this.value(), [
      'expected "," or "]" after the list item',
      'put a comma between items, or close the list with "]"',
    ]);
  }

  /**
   * What objects and lists share: from the opening bracket, items separated by commas up to the closing
   * bracket, with the same errors for a missing comma, a trailing comma and a bracket never closed.
   */
  list(close: '}' | ']', item: (open: number) => void, noComma: [problem: string, fix: string]): void {
    const open = this.i++;
    this.whitespace();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item(open);
      this.whitespace();
      const after = this.s[this.i];
      if (after === close) {
        this.i++;
        return;
      }
      if (after === undefined) this.unclosed(open, close);
      if (after !== ',') this.fail(...noComma);
      const comma = this.i++;
      this.whitespace();
      if (this.s[this.i] === close) this.fail(`trailing comma before "${close}"`, 'remove this comma', comma);
    }
  }

  /** One `"name": value` of the object opened at `open`. */
  entry(open: number): void {
    this.whitespace();
    const c = this.s[this.i];
    if (c === undefined) this.unclosed(open, '}');
    if (c === "'")
      this.fail('property names must be in double quotes', 'replace the single quotes with double quotes');
    if (c !== '"') {
      const word = /^[A-Za-z_$][\w$-]*/.exec(this.s.slice(this.i))?.[0];
      if (word) this.fail(`property name ${word} is not in double quotes`, `write "${word}"`);
      this.fail(
        `expected a property name in double quotes, found ${JSON.stringify(c)}`,
        'write "name": value',
      );
    }
    this.string();
    this.whitespace();
    if (this.s[this.i] !== ':')
      this.fail('expected ":" after the property name', 'put a ":" between the name and its value');
    this.i++;
    this.value();
  }

  string(): void {
    const open = this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('this string is never closed', 'add the closing double quote', open);
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const escape = this.s[this.i + 1] ?? '';
        if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.i += 6;
        else if ('"\\/bfnrt'.includes(escape) && escape !== '') this.i += 2;
        else {
          this.fail(
            `invalid escape "\\${escape}" in a string`,
            'write every backslash twice ("C:\\\\Users\\\\me"), or use forward slashes in paths',
          );
        }
        continue;
      }
      if (c < ' ') {
        this.fail(
          'line break or control character inside a string',
          'keep the string on one line; write \\n for a line break or \\t for a tab',
        );
      }
      this.i++;
    }
  }

  number(): void {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.i;
    const found = match.exec(this.s);
    if (!found) this.fail('invalid number', 'write numbers like 8790, -1 or 0.5');
    const end = this.i + found[0].length;
    if (/[\d.]/.test(this.s[end] ?? '')) {
      this.fail(
        'invalid number',
        'write numbers without leading zeros, like 8790 or 0.5; quote anything else',
      );
    }
    this.i = end;
  }

  unclosed(open: number, closer: '}' | ']'): never {
    const { line, column } = position(this.s, open);
    return this.fail(
      `the ${closer === '}' ? 'object' : 'list'} opened at line ${line} column ${column} is never closed`,
      `add the missing "${closer}"`,
    );
  }
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** The first syntax error in `text`, or undefined if the scanner accepts it (JSON.parse failed for another reason). */
export function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof Located)) return undefined; // e.g. a stack overflow on absurd nesting
    return { offset: error.offset, ...position(text, error.offset), problem: error.problem, fix: error.fix };
  }
}

/** Fallback when the scanner found nothing: whatever position V8 reported, else the start. */
export function positionFromV8(text: string, message: string): { line: number; column: number } {
  const at = /position (\d+)/.exec(message)?.[1];
  return position(text, at === undefined ? 0 : Math.min(Number(at), text.length));
}
