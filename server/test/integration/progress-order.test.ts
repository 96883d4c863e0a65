import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixture, node } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';

let ferry: TestFerry;
beforeAll(async () => {
  ferry = await startFerry({ burst: { command: node, args: [fixture('burst-server.ts')] } });
  await serverState(ferry, 'burst', 'ready');
});
afterAll(() => ferry.stop());

it('delivers every progress notification a child sends in the same chunk as its result, before the result', async () => {
  const client = await ferry.connect('burst');
  for (let round = 0; round < 20; round++) {
    const seen: number[] = [];
    const result = await client.callTool({ name: 'burst', arguments: {} }, undefined, {
      onprogress: (progress) => seen.push(progress.progress),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    expect(seen).toEqual([1, 2, 3]);
  }
});
