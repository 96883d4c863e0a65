/**
 * A line diff for the side-by-side review of a changed tool definition. Written here rather than taken
 * from a package: the only diff library in node_modules (`diff`) is a transitive dev dependency of a test
 * fixture, not one Ferry declares, and a definition diff needs ~60 lines.
 *
 * Longest common subsequence over lines, O(n·m) time and memory, so both sides are bounded by
 * DIFF_MAX_LINES: a definition larger than that (far beyond any real tool's) is shown with every line
 * marked changed rather than making the window stall.
 */
export const DIFF_MAX_LINES = 2000;

export type DiffOp = { kind: 'same' | 'removed' | 'added'; text: string };

/** One row of the side-by-side view: the old line on the left, the new one on the right (either may be absent). */
export interface DiffRow {
  kind: 'same' | 'changed';
  left: string | undefined;
  right: string | undefined;
}

export function diffLines(before: string[], after: string[]): DiffOp[] {
  if (before.length > DIFF_MAX_LINES || after.length > DIFF_MAX_LINES) {
    return [
      ...before.map((text) => ({ kind: 'removed' as const, text })),
      ...after.map((text) => ({ kind: 'added' as const, text })),
    ];
  }
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: length of the longest common subsequence of before[i..] and after[j..], in one flat array.
  const width = m + 1;
  const lcs = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        before[i] === after[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      ops.push({ kind: 'same', text: before[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
      ops.push({ kind: 'removed', text: before[i++] as string });
    } else {
      ops.push({ kind: 'added', text: after[j++] as string });
    }
  }
  while (i < n) ops.push({ kind: 'removed', text: before[i++] as string });
  while (j < m) ops.push({ kind: 'added', text: after[j++] as string });
  return ops;
}

/** The ops as side-by-side rows: a run of removed lines is paired with the run of added lines after it. */
export function sideBySide(ops: DiffOp[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let k = 0;
  while (k < ops.length) {
    const op = ops[k] as DiffOp;
    if (op.kind === 'same') {
      rows.push({ kind: 'same', left: op.text, right: op.text });
      k++;
      continue;
    }
    const removed: string[] = [];
    const added: string[] = [];
    while (k < ops.length && ops[k]?.kind === 'removed') removed.push((ops[k++] as DiffOp).text);
    while (k < ops.length && ops[k]?.kind === 'added') added.push((ops[k++] as DiffOp).text);
    for (let r = 0; r < Math.max(removed.length, added.length); r++)
      rows.push({ kind: 'changed', left: removed[r], right: added[r] });
  }
  return rows;
}

/** JSON with object keys sorted at every level, two-space indented: equal values print equal lines. */
export function stablePretty(value: unknown): string {
  const sort = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sort);
    if (node && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => [k, sort(v)]),
      );
    return node;
  };
  return JSON.stringify(sort(value), null, 2) ?? 'null';
}

/** The reviewed parts of a tool definition, as the lines the diff compares (absent parts are said so). */
export function definitionLines(
  definition:
    | {
        title?: unknown;
        description?: unknown;
        inputSchema?: unknown;
        outputSchema?: unknown;
        annotations?: unknown;
      }
    | null
    | undefined,
): string[] {
  if (!definition) return [];
  const lines: string[] = [];
  const part = (label: string, value: unknown, json: boolean) => {
    lines.push(`${label}:`);
    if (value === undefined) lines.push('  (none)');
    else
      for (const line of (json || typeof value !== 'string' ? stablePretty(value) : value).split('\n'))
        lines.push(`  ${line}`);
  };
  part('Title', definition.title, false);
  part('Description', definition.description, false);
  part('Input schema', definition.inputSchema, true);
  part('Output schema', definition.outputSchema, true);
  part('Annotations', definition.annotations, true);
  return lines;
}
