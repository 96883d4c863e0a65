import { describe, expect, it } from 'vitest';
import { annotationPolicy, effectivePolicy, policySignature } from '../../src/policy/engine.js';
import { configSchema } from '../../src/config/schema.js';

const annotations = (hints: Record<string, boolean> | undefined) => (hints ? { annotations: hints } : {});

describe('tool policy engine', () => {
  it.each([
    ['read-only', { readOnlyHint: true }, 'allow'],
    ['read-only and not destructive', { readOnlyHint: true, destructiveHint: false }, 'allow'],
    [
      'read-only yet destructive (contradictory: the riskier claim wins)',
      { readOnlyHint: true, destructiveHint: true },
      'ask',
    ],
    ['destructive', { readOnlyHint: false, destructiveHint: true }, 'ask'],
    ['writing but not destructive', { readOnlyHint: false, destructiveHint: false }, 'ask'],
    ['annotated without hints', {}, 'ask'],
    ['unannotated', undefined, 'ask'],
  ])('a %s tool defaults to %s', (_label, hints, expected) => {
    expect(annotationPolicy(annotations(hints))).toBe(expected);
    expect(effectivePolicy('t', annotations(hints), undefined, { default: 'annotations' })).toEqual({
      policy: expected,
      source: 'annotations',
    });
  });

  it('takes the tool entry over the server default over the global default over the annotations', () => {
    const readOnly = annotations({ readOnlyHint: true });
    const server = { defaultToolPolicy: 'deny' as const, tools: { t: 'ask' as const } };
    expect(effectivePolicy('t', readOnly, server, { default: 'allow' })).toEqual({
      policy: 'ask',
      source: 'tool',
    });
    expect(effectivePolicy('other', readOnly, server, { default: 'allow' })).toEqual({
      policy: 'deny',
      source: 'server',
    });
    expect(effectivePolicy('other', readOnly, { tools: { t: 'ask' } }, { default: 'deny' })).toEqual({
      policy: 'deny',
      source: 'global',
    });
    expect(effectivePolicy('other', readOnly, { tools: { t: 'deny' } }, { default: 'annotations' })).toEqual({
      policy: 'allow',
      source: 'annotations',
    });
  });

  it('does not read a tool entry from Object.prototype', () => {
    // A tool named like a prototype member must not pick up a function as its "policy".
    const result = effectivePolicy('toString', undefined, { tools: {} }, { default: 'annotations' });
    expect(result).toEqual({ policy: 'ask', source: 'annotations' });
  });

  it('parses the config block and its defaults', () => {
    const config = configSchema.parse({
      mcpServers: { files: { command: 'x' } },
      ferry: { servers: { files: { defaultToolPolicy: 'ask', tools: { read_file: 'allow' } } } },
    });
    expect(config.ferry.servers.files).toMatchObject({
      defaultToolPolicy: 'ask',
      tools: { read_file: 'allow' },
    });
    expect(config.ferry.toolPolicy).toEqual({
      default: 'annotations',
      approvalTimeoutSeconds: 120,
      recordArguments: false,
    });
    expect(() =>
      configSchema.parse({
        mcpServers: { files: { command: 'x' } },
        ferry: { servers: { files: { tools: { read_file: 'maybe' } } } },
      }),
    ).toThrow();
    // Claude gives up at 300 s: an approval timeout must leave the call time to run.
    expect(() => configSchema.parse({ ferry: { toolPolicy: { approvalTimeoutSeconds: 300 } } })).toThrow();
  });

  it('changes its signature when any policy changes, and only then', () => {
    const base = configSchema.parse({ mcpServers: { a: { command: 'x' } } }).ferry;
    const same = configSchema.parse({
      mcpServers: { a: { command: 'x' } },
      ferry: { servers: { a: { sessionMode: 'per-session' } } },
    }).ferry;
    const changed = configSchema.parse({
      mcpServers: { a: { command: 'x' } },
      ferry: { servers: { a: { tools: { t: 'deny' } } } },
    }).ferry;
    expect(policySignature(same)).not.toBe(policySignature(changed));
    expect(policySignature(base)).not.toBe(policySignature(changed));
    expect(policySignature(base)).toBe(
      policySignature(configSchema.parse({ mcpServers: { a: { command: 'x' } } }).ferry),
    );
  });
});
