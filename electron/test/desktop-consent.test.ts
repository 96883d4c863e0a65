import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Stamped } from '#core';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, CookieJar, pkce } from '../../server/test/helpers/oauth.js';
import { eventually, fixture, launch, shownNotification, useTestDirs } from './helpers/desktop.js';

const dirs = useTestDirs({
  mcpServers: { echo: { command: process.execPath, args: [fixture('echo-server.ts')] } },
});

/** Claude's first steps up to the waiting page: register, then send the browser to /authorize. */
async function requestConnection(localUrl: string): Promise<{ clientId: string }> {
  const registered = await fetch(`${localUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CLAUDE_REGISTRATION),
  });
  expect(registered.status).toBe(201);
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const jar = new CookieJar();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLAUDE_CALLBACK,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    state: 'desktop-test',
    scope: 'claudeai',
    resource: `${localUrl}/mcp`,
  });
  const start = await fetch(`${localUrl}/authorize?${query.toString()}`, { redirect: 'manual' });
  jar.store(start);
  const waiting = await fetch(new URL(start.headers.get('location') as string, localUrl), {
    redirect: 'manual',
    headers: { cookie: jar.header() },
  });
  expect(waiting.status).toBe(200);
  await waiting.text();
  return { clientId };
}

describe('consent from the tray and notifications', () => {
  it('notifies with the match code and buttons on macOS, badges the tray, and approves from the notification', async () => {
    const { fake, desktop, view, quit } = await launch(dirs, { platform: 'darwin', argv: ['--hidden'] });
    const resolved: Stamped[] = [];
    desktop.core.events.on('consent.resolved', (event) => void resolved.push(event));
    await requestConnection(desktop.core.admin.status().localUrl);

    const notification = await shownNotification(fake);
    const [pending] = desktop.core.admin.consents();
    expect(pending).toBeDefined();
    expect(notification.options.title).toBe('claudeai wants to use your MCP servers');
    expect(notification.options.body).toContain('claude.ai');
    expect(notification.options.body).toContain(pending?.matchCode);
    expect(notification.options.actions?.map((action) => action.text)).toEqual(['Approve', 'Deny']);

    await eventually(() => path.basename(fake.tray.image) === 'attentionTemplate.png', 'the attention icon');
    expect(fake.tray.title).toBe('1');
    expect(fake.app.badge).toBe(1);
    expect(fake.tray.toolTip).toContain('1 connection request waiting');
    expect(fake.menu.find(`claudeai → claude.ai · ${pending?.matchCode}`, 'Approve').enabled).not.toBe(false);

    notification.press(0);
    await eventually(() => resolved.length === 1, 'the consent to resolve');
    expect(resolved[0]).toMatchObject({ outcome: 'approved', id: pending?.id });
    expect(notification.closed).toBe(true);
    await eventually(() => fake.tray.title === '', 'the badge to clear');
    expect(fake.app.badge).toBe(0);
    expect(view().state).not.toBe('attention');
    await quit();
  });

  it('denies from the tray menu on Linux, where a notification click opens the Consents screen', async () => {
    const { fake, desktop, quit } = await launch(dirs, { platform: 'linux', argv: ['--hidden'] });
    const outcomes: string[] = [];
    desktop.core.events.on('consent.resolved', (event) => void outcomes.push(event.outcome));
    await requestConnection(desktop.core.admin.status().localUrl);

    const notification = await shownNotification(fake);
    expect(notification.options.actions).toBeUndefined();
    expect(notification.options.body).toContain('click to review');
    notification.click();
    expect(fake.window?.loadedUrl).toBe('ferry://app/index.html#/consents');

    await eventually(() => path.basename(fake.tray.image) === 'attention.png', 'the attention icon');
    const [pending] = desktop.core.admin.consents();
    fake.menu.click(`claudeai → claude.ai · ${pending?.matchCode}`, 'Deny');
    await eventually(() => outcomes.length === 1, 'the consent to resolve');
    expect(outcomes).toEqual(['denied']);
    expect(notification.closed).toBe(true);
    await eventually(() => fake.app.badge === 0, 'the badge to clear');
    await quit();
  });

  it('opens the Consents screen when the desktop has no notifications', async () => {
    const { fake, desktop, quit } = await launch(dirs, { argv: ['--hidden'] });
    fake.notificationsSupported = false;
    await requestConnection(desktop.core.admin.status().localUrl);
    await eventually(
      () => fake.window?.loadedUrl === 'ferry://app/index.html#/consents',
      'the Consents screen',
    );
    expect(fake.notifications).toHaveLength(0);
    await quit();
  });
});
