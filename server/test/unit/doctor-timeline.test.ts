import { describe, expect, it } from 'vitest';
import { ConnectionTimeline } from '../../src/doctor/timeline.js';
import { EventBus } from '../../src/events/bus.js';
import type { CoreEvent } from '../../src/events/types.js';

const PUBLIC = 'https://able-fox.trycloudflare.com';

/** A bus and a timeline on one fake clock; `at(s)` moves it to `s` seconds after the start. */
function setup(stallMs = 30_000) {
  const start = 1_700_000_000_000;
  let now = start;
  const bus = new EventBus({ now: () => now });
  const timeline = new ConnectionTimeline(bus, { now: () => now, stallMs });
  const at = (seconds: number) => {
    now = start + seconds * 1000;
  };
  const request = (
    method: string,
    path: string,
    status: number,
    extra: Partial<Extract<CoreEvent, { type: 'http.request' }>> = {},
  ) =>
    bus.emit({
      type: 'http.request',
      method,
      path,
      status,
      userAgent: 'python-httpx/0.28.1',
      authorized: false,
      durationMs: 1,
      ...extra,
    });
  const auth = (kind: Extract<CoreEvent, { type: 'auth' }>['kind'], detail: string) =>
    bus.emit({ type: 'auth', kind, clientId: 'client-1', detail });
  const consent = (id = 'c1') =>
    bus.emit({
      type: 'consent.requested',
      consent: {
        id,
        clientId: 'client-1',
        clientName: 'claudeai',
        redirectUri: 'https://claude.ai/api/mcp/auth_callback',
        redirectHost: 'claude.ai',
        scopes: ['mcp'],
        resource: `${PUBLIC}/mcp`,
        matchCode: 'K7-42',
        createdAt: now,
        expiresAt: now + 300_000,
      },
    });
  const resolved = (outcome: 'approved' | 'denied' | 'expired' | 'remembered', id = 'c1') =>
    bus.emit({ type: 'consent.resolved', id, clientId: 'client-1', clientName: 'claudeai', outcome });
  /** Claude's steps 1 to 6, one second apart, ending at `seconds + 8`. */
  const signIn = (seconds = 0) => {
    at(seconds);
    request('POST', '/mcp', 401);
    at(seconds + 1);
    request('GET', '/.well-known/oauth-protected-resource/mcp', 200);
    request('GET', '/.well-known/oauth-protected-resource', 200);
    at(seconds + 2);
    request('GET', '/.well-known/oauth-authorization-server', 200);
    at(seconds + 3);
    request('POST', '/register', 201);
    auth('client.registered', 'registered "claudeai"');
    at(seconds + 4);
    request('GET', '/authorize', 303, { userAgent: 'Mozilla/5.0' });
    at(seconds + 5);
    consent();
    at(seconds + 7);
    resolved('approved');
    at(seconds + 8);
    request('POST', '/token', 200);
    auth('token.issued', 'tokens issued');
  };
  const authorizedPost = (status = 200) =>
    request('POST', '/mcp', status, { authorized: true, userAgent: 'Claude-User' });
  return { bus, timeline, at, request, auth, consent, resolved, signIn, authorizedPost };
}

describe('ConnectionTimeline', () => {
  it('shows a user agent with its control and bidi characters escaped (the sender chose it)', () => {
    const t = setup();
    t.signIn();
    t.at(9);
    // Node reads header bytes as latin1, so a raw 0x9b arrives as the C1 CSI.
    t.request('POST', '/mcp', 200, { authorized: true, userAgent: 'Claude-User\u009b2J\u202e' });
    const mcp = t.timeline.snapshot().steps.find((s) => s.id === 'mcp');
    expect(mcp?.detail).toBe('POST /mcp 200 (Claude-User\\x9b2J\\u202e)');
  });

  it('names the MCP revision the client spoke on the authorized request', () => {
    const t = setup();
    t.signIn();
    t.at(9);
    t.request('POST', '/mcp', 200, { authorized: true, userAgent: 'Claude-User', protocol: '2026-07-28' });
    expect(t.timeline.snapshot().steps.find((s) => s.id === 'mcp')?.detail).toBe(
      'POST /mcp 200 (Claude-User) · MCP 2026-07-28 (stateless)',
    );
    t.at(10);
    t.request('POST', '/mcp', 200, { authorized: true, userAgent: 'Claude-User', protocol: '2025-11-25' });
    // The step lists each distinct request line it saw.
    expect(t.timeline.snapshot().steps.find((s) => s.id === 'mcp')?.detail).toBe(
      'POST /mcp 200 (Claude-User) · MCP 2026-07-28 (stateless), POST /mcp 200 (Claude-User) · MCP 2025-11-25',
    );
  });

  it('maps a complete connection onto the expected steps with their times, connected and undiagnosed', () => {
    const t = setup();
    t.signIn();
    t.at(9);
    t.authorizedPost();
    const snapshot = t.timeline.snapshot();
    expect(snapshot.connected).toBe(true);
    expect(snapshot.reached).toBe('mcp');
    expect(snapshot.diagnosis).toBeUndefined();
    const seconds = snapshot.steps.map((s) => [
      s.id,
      s.at === undefined ? undefined : (s.at - (snapshot.startedAt ?? 0)) / 1000,
    ]);
    expect(seconds).toEqual([
      ['challenge', 0],
      ['resource-metadata', 1],
      ['auth-metadata', 2],
      ['register', 3],
      ['authorize', 4],
      ['consent', 5],
      ['token', 8],
      ['mcp', 9],
    ]);
    const steps = Object.fromEntries(snapshot.steps.map((s) => [s.id, s]));
    expect(steps['resource-metadata']?.detail).toBe(
      'GET /.well-known/oauth-protected-resource/mcp 200, GET /.well-known/oauth-protected-resource 200',
    );
    expect(steps.mcp?.detail).toBe('POST /mcp 200 (Claude-User)');
    expect(steps.consent?.detail).toBe('waiting (match code K7-42), approved');
  });

  it('flags edge bot blocking when tokens were issued and no authorized /mcp request came within 30 s', () => {
    const t = setup();
    t.signIn();
    t.at(8 + 29);
    expect(t.timeline.snapshot().diagnosis).toBeUndefined();
    t.at(8 + 31);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.cause).toBe('edge-blocks-claude-user');
    expect(snapshot.diagnosis).toMatch(
      /^Claude got its tokens 31 s ago, but no authorized request reached \/mcp since/,
    );
    expect(snapshot.diagnosis).toContain('Block AI bots');
    expect(snapshot.diagnosis).toContain('token is for another URL');
    expect(snapshot.reached).toBe('token');
  });

  it('names the audience mismatch after a tunnel URL change', () => {
    const t = setup();
    t.signIn();
    t.at(9);
    t.authorizedPost();
    t.at(600);
    t.bus.emit({
      type: 'tunnel.url-changed',
      previous: PUBLIC,
      current: 'https://other-name.trycloudflare.com',
      message: 'the quick tunnel has a new URL',
    });
    t.at(660);
    t.auth(
      'token.rejected',
      `token audience mismatch for https://other-name.trycloudflare.com/mcp: claim "aud" failed`,
    );
    t.authorizedPost(401);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.cause).toBe('token-audience');
    expect(snapshot.diagnosis).toContain('token audience mismatch');
    expect(snapshot.diagnosis).toContain(
      `The tunnel URL changed from ${PUBLIC} to https://other-name.trycloudflare.com 60 s ago`,
    );
    expect(snapshot.diagnosis).toContain('Remove the connector in Claude and add it again');
    expect(snapshot.steps.find((s) => s.id === 'mcp')?.problem).toBe('POST /mcp 401 (Claude-User)');
    // A later success clears it.
    t.at(700);
    t.authorizedPost();
    expect(t.timeline.snapshot().diagnosis).toBeUndefined();
  });

  it('flags protected-resource metadata fetched at one path only', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.at(1);
    t.request('GET', '/.well-known/oauth-protected-resource/mcp', 200);
    t.at(40);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.cause).toBe('resource-metadata');
    expect(snapshot.diagnosis).toMatch(
      /^Claude fetched the protected-resource metadata at \/\.well-known\/oauth-protected-resource\/mcp only, then stopped/,
    );
  });

  it('names the metadata path that failed', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.request('GET', '/.well-known/oauth-protected-resource/mcp', 404);
    t.request('GET', '/.well-known/oauth-protected-resource', 200);
    t.at(31);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.diagnosis).toContain('/.well-known/oauth-protected-resource/mcp (404)');
    expect(snapshot.steps.find((s) => s.id === 'resource-metadata')?.problem).toBe(
      'GET /.well-known/oauth-protected-resource/mcp 404',
    );
  });

  it('flags a 401 never followed by a metadata request', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.request('GET', '/mcp', 401);
    t.at(45);
    expect(t.timeline.snapshot()).toMatchObject({ cause: 'resource-metadata', reached: 'challenge' });
    expect(t.timeline.snapshot().diagnosis).toContain('never fetched the protected-resource metadata');
  });

  it('flags 406 answers at once', () => {
    const t = setup();
    t.request('POST', '/mcp', 406);
    expect(t.timeline.snapshot()).toMatchObject({ cause: 'accept-or-session' });
    expect(t.timeline.snapshot().diagnosis).toMatch(/answered 406 \(1×\)/);
  });

  it('says it waits for the approval, and what happened to it', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.request('POST', '/register', 201);
    t.request('GET', '/authorize', 303);
    t.consent();
    t.at(100);
    expect(t.timeline.snapshot().diagnosis).toBe('Waiting for your approval in Ferry (match code K7-42).');
    t.resolved('denied');
    const snapshot = t.timeline.snapshot();
    expect(snapshot.diagnosis).toContain('denied in Ferry');
    expect(snapshot.steps.find((s) => s.id === 'consent')?.problem).toBe('denied in Ferry');
  });

  it('reports a failed registration with what Ferry logged', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.request('GET', '/.well-known/oauth-protected-resource/mcp', 200);
    t.request('GET', '/.well-known/oauth-authorization-server', 200);
    t.request('POST', '/register', 429);
    t.auth('request.rejected', 'client registration rate limit reached');
    t.at(31);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.cause).toBe('oauth-registration');
    expect(snapshot.diagnosis).toContain('POST /register 429');
    expect(snapshot.diagnosis).toContain('client registration rate limit reached');
  });

  it('flags an approved consent whose code was never exchanged', () => {
    const t = setup();
    t.request('POST', '/mcp', 401);
    t.request('GET', '/authorize', 303);
    t.consent();
    t.resolved('approved');
    t.request('POST', '/token', 400);
    t.at(40);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.cause).toBe('oauth-authorize');
    expect(snapshot.diagnosis).toMatch(
      /^Approved 40 s ago, but Claude never got its tokens \(POST \/token 400\)/,
    );
  });

  it('starts a new attempt on a 401 after tokens, and keeps events from before it was created', () => {
    const t = setup();
    t.signIn();
    t.at(9);
    t.authorizedPost();
    // Created late: it replays what the bus still holds.
    const late = new ConnectionTimeline(t.bus, { now: () => 1_700_000_000_000 + 10_000 });
    expect(late.snapshot().connected).toBe(true);
    t.at(3600);
    t.request('POST', '/mcp', 401);
    const snapshot = t.timeline.snapshot();
    expect(snapshot.connected).toBe(false);
    expect(snapshot.reached).toBe('challenge');
    expect(snapshot.steps.filter((s) => s.count > 0).map((s) => s.id)).toEqual(['challenge']);
    late.close();
  });

  it('tells listeners about changes, ignores unrelated events, and stops after close', () => {
    const t = setup();
    const seen: Array<string | undefined> = [];
    const off = t.timeline.onChange((snapshot) => seen.push(snapshot.reached));
    t.request('POST', '/mcp', 401);
    t.bus.log('info', 'ferry', 'unrelated');
    t.request('GET', '/favicon.ico', 404);
    t.request('GET', '/.well-known/oauth-protected-resource/mcp', 200);
    off();
    t.request('GET', '/.well-known/oauth-authorization-server', 200);
    expect(seen).toEqual(['challenge', 'resource-metadata']);
    t.timeline.close();
    t.request('POST', '/register', 201);
    expect(t.timeline.snapshot().reached).toBe('auth-metadata');
    t.timeline.reset();
    expect(t.timeline.snapshot()).toMatchObject({ connected: false });
    expect(t.timeline.snapshot().reached).toBeUndefined();
  });
});
