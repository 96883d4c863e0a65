import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { OAuthHarness } from '../helpers/oauth.js';
import { runCli } from '../helpers/cli.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { until } from '../helpers/until.js';

describe('ferry import (the real CLI)', () => {
  it('takes the stdio servers of a Claude Desktop config, says what it skipped, and leaves no key in plaintext', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-import-'));
    const source = path.join(dir, 'claude_desktop_config.json');
    const target = path.join(dir, 'ferry.json');
    await writeFile(
      source,
      JSON.stringify({
        mcpServers: {
          notes: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-filesystem', '/home/me/notes'],
          },
          remote: { url: 'https://mcp.example.com/sse' },
          'bad name': { command: 'x' },
        },
      }),
    );
    // --secrets none: CI's keychain is tested elsewhere; here the report and the file are what matter.
    const { code, out } = await runCli([
      'import',
      source,
      '--config',
      target,
      '--data-dir',
      dir,
      '--secrets',
      'none',
    ]);
    expect(code, out).toBe(0);
    expect(out).toContain('Imported 1 server');
    expect(out).toContain('+ notes');
    expect(out).toMatch(/- remote: .*remote/);
    expect(out).toMatch(/- bad name: /);
    const written = JSON.parse(await readFile(target, 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(written.mcpServers)).toEqual(['notes']);
    const importMissing = (file: string, ...options: string[]) =>
      runCli(['import', path.join(dir, file), '--config', target, ...options]);
    const missing = await importMissing('nope.json', '--secrets', 'none');
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('nope.json');
    // Checked before the keychain: the default (--secrets detected, keychain) says "file not found" plainly.
    const plain = await importMissing('gone.json', '--data-dir', dir);
    expect(plain.code).toBe(2);
    expect(plain.out).toContain(`${path.join(dir, 'gone.json')}: file not found.`);
    expect(plain.out).not.toMatch(/keychain|secret/i);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('ferry serve, headless consent', () => {
  it('prints each consent request with its match code and the call that approves it', async () => {
    const ferry = await startServeProcess({ mcpServers: { echo: echoServer() } }, ['--tunnel', 'off']);
    try {
      const h = new OAuthHarness(ferry, ferry.runtime.localUrl);
      const { matchCode: code } = await h.waitingPage({ clientId: await h.registerClient(), state: 's' });
      expect(code).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
      await until('the match code on the terminal', () => ferry.output().includes(code as string)).catch(
        () => undefined,
      );
      const output = ferry.output();
      expect(output).toContain('Connection request');
      expect(output).toContain(code);
      expect(output).toMatch(/approve: +curl -X POST .*\/api\/consents\/[A-Za-z0-9_-]+\/approve/);
      expect(output).toContain('returns to claude.ai');
    } finally {
      expect(await ferry.stop()).toBe(0);
    }
  });
});
