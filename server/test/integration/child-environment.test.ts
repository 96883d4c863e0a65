import { afterEach, describe, expect, it } from 'vitest';
import { faultServer } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

let ferry: TestFerry | undefined;
afterEach(async () => {
  await ferry?.stop();
  ferry = undefined;
  delete process.env.FERRY_TEST_PARENT_SECRET;
});

const childEnv = async (f: TestFerry, server: string) => {
  const client = await f.connect(server);
  const result = await client.callTool({ name: 'env', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}') as Record<string, string>;
};

describe('what a child process receives', () => {
  it('gets the safe defaults plus its own env, and nothing else from Ferry’s environment', async () => {
    process.env.FERRY_TEST_PARENT_SECRET = 'must-not-leak';
    ferry = await startFerry({ fault: { ...faultServer(), env: { OWN_SETTING: 'yes' } } });
    await serverState(ferry, 'fault', 'ready');
    const env = await childEnv(ferry, 'fault');
    expect(env.OWN_SETTING).toBe('yes');
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.FERRY_TEST_PARENT_SECRET).toBeUndefined();
    expect(Object.keys(env).filter((k) => k.startsWith('VITEST') || k.startsWith('npm_'))).toEqual([]);
  });

  it('resolves ${secret:…} references from the secret store at spawn, leaving the config without the value', async () => {
    ferry = await startFerry(
      { fault: { ...faultServer(), env: { API_KEY: '${secret:env/fault/API_KEY}' } } },
      {},
    );
    // The store is filled after start: the first spawn fails closed and names what is missing.
    const crashed = await serverState(ferry, 'fault', 'crashed');
    expect(crashed.type === 'server.status' && crashed.reason).toMatch(
      /env API_KEY refers to secret "env\/fault\/API_KEY", which is not in the/,
    );
    await ferry.secrets.set('env/fault/API_KEY', 'sk-live-123');
    const seq = ferry.bus.lastSeq;
    await ferry.core.admin.restartServer('fault');
    await ferry.waitFor(
      (e) => e.seq > seq && e.type === 'server.status' && e.server === 'fault' && e.state === 'ready',
    );
    expect((await childEnv(ferry, 'fault')).API_KEY).toBe('sk-live-123');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(ferry.configPath, 'utf8')).not.toContain('sk-live-123');
  });

  it('never passes the HTTP request’s Authorization header to a child', async () => {
    ferry = await startFerry({ fault: faultServer() });
    await serverState(ferry, 'fault', 'ready');
    const url = `${ferry.runtime.localUrl}/mcp/fault`;
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: 'Bearer top-secret-token-value',
    };
    const post = (body: unknown) => fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    for (const name of ['env', 'argv']) {
      const res = await post({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: {} },
      });
      expect(await res.text()).not.toContain('top-secret-token-value');
    }
    const logs = ferry.bus.logs
      .toArray()
      .map((l) => l.message)
      .join('\n');
    expect(logs).not.toContain('top-secret-token-value');
  });
});
