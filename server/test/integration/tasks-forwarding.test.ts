import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
  TaskStatusNotificationSchema,
  type TaskStatusNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { fixture, node } from '../helpers/fixtures.js';
import { serverState, startFerry, type TestFerry } from '../helpers/ferry.js';
import { firstText, modernPost } from '../helpers/modern.js';
import { OAuthHarness, type Connection } from '../helpers/oauth.js';

const PUBLIC = 'https://ferry-tasks.example';
const RELATED = 'io.modelcontextprotocol/related-task';

/**
 * A child offering MCP 2025-11-25 tasks, through Ferry: capabilities advertised, task methods routed to
 * the child that owns the task, ids mapped so they never collide or leak across clients, and status
 * notifications only to the session that created the task. Two real OAuth clients, real SDK clients.
 */
describe('tasks forwarded from a child', () => {
  let ferry: TestFerry;
  let h: OAuthHarness;
  let a: Connection;
  let b: Connection;
  let aAll: Connection;
  const clients: Client[] = [];

  beforeAll(async () => {
    ferry = await startFerry(
      { tasks: { command: node, args: [fixture('tasks-server.ts')] } },
      { auth: true, publicUrl: PUBLIC },
    );
    await serverState(ferry, 'tasks', 'ready');
    h = new OAuthHarness(ferry, PUBLIC);
    a = await h.connect({ resource: `${PUBLIC}/mcp/tasks` });
    b = await h.connect({ resource: `${PUBLIC}/mcp/tasks` });
    aAll = await h.connect({ clientId: a.clientId, resource: `${PUBLIC}/mcp` });
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await ferry?.stop();
  });

  const connect = async (who: Connection, path: string) => {
    const client = new Client({ name: 'tasks-test', version: '1' }, { capabilities: {} });
    const statuses: TaskStatusNotification['params'][] = [];
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void statuses.push(n.params));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${ferry.runtime.localUrl}${path}`), {
        requestInit: { headers: { authorization: `Bearer ${who.accessToken}` } },
      }),
    );
    clients.push(client);
    return { client, statuses };
  };

  const createTask = async (client: Client, name = 'slow', text = 'done') => {
    const created = await client.request(
      { method: 'tools/call', params: { name, arguments: { ms: 200, text }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    return created.task.taskId;
  };

  it('advertises tasks on /mcp/<server> and on /mcp when a child offers them', async () => {
    const { client } = await connect(a, '/mcp/tasks');
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toBeDefined();
    const { client: all } = await connect(aAll, '/mcp');
    expect(all.getServerCapabilities()?.tasks).toMatchObject({ list: {}, requests: { tools: { call: {} } } });
  });

  it('runs a task for its client under an id of Ferry’s, with status notifications to that session only', async () => {
    const mine = await connect(a, '/mcp/tasks');
    const theirs = await connect(b, '/mcp/tasks');
    const id = await createTask(mine.client, 'slow', 'for A');
    // Not the child's predictable id.
    expect(id).not.toMatch(/^task-\d+$/);
    const result = await mine.client.request(
      { method: 'tasks/result', params: { taskId: id } },
      CallToolResultSchema,
    );
    expect(firstText(result)).toBe('for A');
    expect((result._meta as Record<string, { taskId: string }>)[RELATED]?.taskId).toBe(id);
    const task = await mine.client.request(
      { method: 'tasks/get', params: { taskId: id } },
      GetTaskResultSchema,
    );
    expect(task).toMatchObject({ taskId: id, status: 'completed' });
    await expect.poll(() => mine.statuses.map((s) => [s.taskId, s.status])).toContainEqual([id, 'completed']);
    expect(theirs.statuses).toEqual([]);
  });

  it('keeps one client from reaching, listing or cancelling another client’s task', async () => {
    const mine = await connect(a, '/mcp/tasks');
    const theirs = await connect(b, '/mcp/tasks');
    const id = await createTask(mine.client);
    const other = await createTask(theirs.client);
    expect(other).not.toBe(id);
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      await expect(
        theirs.client.request({ method, params: { taskId: id } }, GetTaskResultSchema),
      ).rejects.toThrow(/Task not found/);
    }
    // Guessing the child's own ids does not work either.
    await expect(
      theirs.client.request({ method: 'tasks/get', params: { taskId: 'task-1' } }, GetTaskResultSchema),
    ).rejects.toThrow(/Task not found/);
    const listed = await theirs.client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    const ids = listed.tasks.map((t) => t.taskId);
    expect(ids).toContain(other);
    expect(ids).not.toContain(id);
    expect(ids.some((t) => /^task-\d+$/.test(t))).toBe(false);
    const cancelled = await mine.client.request(
      { method: 'tasks/cancel', params: { taskId: id } },
      GetTaskResultSchema,
    );
    expect(cancelled).toMatchObject({ taskId: id });
  });

  it('routes a task created on /mcp, and answers its methods on the 2026-07-28 wire for its client only', async () => {
    const { client } = await connect(aAll, '/mcp');
    const id = await createTask(client, 'tasks__slow', 'aggregate');
    const result = await client.request(
      { method: 'tasks/result', params: { taskId: id } },
      CallToolResultSchema,
    );
    expect(firstText(result)).toBe('aggregate');
    // On that wire tasks are the io.modelcontextprotocol/tasks extension, negotiated per request.
    const withTasks = {
      'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
    };
    const byOwner = await modernPost(
      `${ferry.runtime.localUrl}/mcp`,
      'tasks/get',
      { taskId: id },
      { headers: { authorization: `Bearer ${aAll.accessToken}` }, meta: withTasks },
    );
    expect(byOwner.body?.result).toMatchObject({
      taskId: id,
      status: 'completed',
      resultType: 'complete',
      result: { content: [{ type: 'text', text: 'aggregate' }] },
    });
    const undeclared = await modernPost(
      `${ferry.runtime.localUrl}/mcp`,
      'tasks/get',
      { taskId: id },
      { headers: { authorization: `Bearer ${aAll.accessToken}` } },
    );
    expect(undeclared.body?.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
    const byOther = await modernPost(
      `${ferry.runtime.localUrl}/mcp/tasks`,
      'tasks/get',
      { taskId: id },
      { headers: { authorization: `Bearer ${b.accessToken}` }, meta: withTasks },
    );
    expect(byOther.body?.error).toMatchObject({ code: -32602 });
    // Nor can another client answer (or probe) the input the task waits on.
    const updateByOther = await modernPost(
      `${ferry.runtime.localUrl}/mcp/tasks`,
      'tasks/update',
      { taskId: id, inputResponses: { confirm: { action: 'accept' } } },
      { headers: { authorization: `Bearer ${b.accessToken}` }, meta: withTasks },
    );
    expect(updateByOther.body?.error).toMatchObject({ code: -32602 });
  });
});
