import type { TestFerry } from './ferry.js';

export interface AdminReply<T = unknown> {
  status: number;
  body: T;
}

/** The headless admin API of a test Ferry, over real HTTP with its bearer token. */
export function adminApi(ferry: Pick<TestFerry, 'runtime'>) {
  const base = `${ferry.runtime.adminUrl as string}/api`;
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<AdminReply<T>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ferry.runtime.adminToken as string}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}
