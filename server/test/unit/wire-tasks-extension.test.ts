import { describe, expect, it } from 'vitest';
import { TASK_INPUT_LIMITS, TaskInput } from '../../src/hub/taskInput.js';
import {
  detailedTask,
  discoverCapabilities,
  flatCreateResult,
  TASKS_EXTENSION,
} from '../../src/wire/tasksExtension.js';

const childTask = {
  taskId: 't1',
  status: 'working',
  ttl: 60_000,
  pollInterval: 250,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUpdatedAt: '2026-01-01T00:00:01.000Z',
};

describe('the 2026 tasks extension, translated from 2025-11-25 tasks', () => {
  it('advertises the extension instead of the 2025 tasks slot, only for task-augmented calls', () => {
    const offered = discoverCapabilities({ tools: {}, tasks: { requests: { tools: { call: {} } } } });
    expect(offered).toEqual({ tools: {}, extensions: { [TASKS_EXTENSION]: {} } });
    expect(discoverCapabilities({ tools: {}, tasks: { list: {} } })).toEqual({ tools: {} });
  });

  it('flattens a CreateTaskResult with the renamed duration fields', () => {
    expect(flatCreateResult({ task: childTask })).toEqual({
      resultType: 'task',
      taskId: 't1',
      status: 'working',
      createdAt: childTask.createdAt,
      lastUpdatedAt: childTask.lastUpdatedAt,
      ttlMs: 60_000,
      pollIntervalMs: 250,
    });
    expect(flatCreateResult({ content: [] })).toBeUndefined();
  });

  it('inlines the outcome of an ended task without the related-task _meta', () => {
    const done = detailedTask(
      { ...childTask, status: 'completed' },
      {
        result: {
          content: [{ type: 'text', text: 'ok' }],
          _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' } },
        },
      },
    );
    expect(done).toMatchObject({ taskId: 't1', status: 'completed', result: { content: [{ text: 'ok' }] } });
    expect((done.result as { _meta?: unknown })._meta).toBeUndefined();
    expect('ttl' in done || 'pollInterval' in done).toBe(false);
  });
});

describe('input a task of a stateless client waits on', () => {
  const ask = { method: 'elicitation/create', params: { message: 'sure?' } };

  it('holds requests under their keys and answers them by key, ignoring unknown keys', async () => {
    const input = new TaskInput();
    const first = input.hold(ask, 'confirm', new AbortController().signal);
    const second = input.hold(ask, 'confirm', new AbortController().signal);
    expect(Object.keys(input.requests())).toEqual(['confirm', 'confirm-2']);
    input.answer({
      'confirm-2': { action: 'decline' },
      unknown: { action: 'accept' },
      confirm: 'not an object',
    });
    await expect(second).resolves.toEqual({ action: 'decline' });
    expect(Object.keys(input.requests())).toEqual(['confirm']);
    input.answer({ confirm: { action: 'accept' } });
    await expect(first).resolves.toEqual({ action: 'accept' });
    expect(input.size).toBe(0);
  });

  it('refuses more than its bound, and lets the child give up', async () => {
    const input = new TaskInput();
    const abort = new AbortController();
    const held = Array.from({ length: TASK_INPUT_LIMITS.perTask }, () =>
      input.hold(ask, undefined, abort.signal),
    );
    await expect(input.hold(ask, undefined, abort.signal)).rejects.toThrow(/already waits/);
    abort.abort();
    await Promise.all(held.map((p) => expect(p).rejects.toThrow(/cancelled/)));
    expect(input.size).toBe(0);
  });
});
