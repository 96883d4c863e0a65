import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { haveChromium, screenshot } from '../helpers/browser.js';
import { echoServer, fixture, node } from '../helpers/fixtures.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkce } from '../helpers/oauth.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { startQuickTunnelServe, type QuickTunnelServe } from '../helpers/tunnel.js';
import { checksPass, doctorCheck, useServeWindow } from '../helpers/window.js';
import { REQ, until } from './support.js';
import { initializeBody, PROTOCOL_VERSION, rawPost } from '../helpers/http.js';

/**
 * Every fact row on the Status cards whose value repeats a word of its own label, of its card's heading,
 * or itself (`State: off (off)`, `Servers: 1 of 1 server ready`). Paths and URLs (mono) are left out: a
 * config path may well contain "config".
 */
async function repeatedFacts(page: Page): Promise<string[]> {
  // (A string: the test project has no DOM types.)
  const facts: { heading: string; label: string; value: string; mono: boolean }[] =
    await page.evaluate(`[...document.querySelectorAll('section.card')].flatMap((card) => {
    const heading = card.querySelector('h2')?.textContent ?? '';
    return [...card.querySelectorAll('dl.facts > dt')].map((dt) => {
      const dd = dt.nextElementSibling;
      return { heading, label: dt.textContent, value: dd.textContent, mono: dd.classList.contains('mono') };
    });
  })`);
  const words = (text: string) =>
    (text.toLowerCase().match(/[a-z]{2,}/g) ?? []).map((word) => word.replace(/s$/, ''));
  expect(facts.length).toBeGreaterThan(0);
  return facts
    .filter((fact) => !fact.mono)
    .filter((fact) => {
      const value = words(fact.value);
      const context = new Set([...words(fact.label), ...words(fact.heading)]);
      return new Set(value).size < value.length || value.some((word) => context.has(word));
    })
    .map((fact) => `${fact.heading} › ${fact.label}: ${fact.value}`);
}

/**
 * The window (renderer/dist) as a user drives it: served by the admin listener of a real `ferry serve`
 * process (OAuth on, no tunnel), opened in Chromium with the token in the fragment, and checked against
 * real OAuth round trips, real tool calls and real child processes.
 */
describe.skipIf(!haveChromium)('the window against ferry serve', () => {
  let accessToken = '';
  /** `dataDir`: the data dir of a stopped run, for the same Ferry again. */
  const start = (dataDir?: string) =>
    startServeProcess(
      // maxExits 1: a child that exits once is marked crashed at once (the Status warning test needs one).
      { mcpServers: { echo: echoServer() }, ferry: { restart: { maxExits: 1 } } },
      // A file secret store: this machine may have no keychain, and imports must not fall back to plain text.
      ['--tunnel', 'off', '--secret-store', 'file'],
      dataDir ? { dataDir } : {},
    );
  const win = useServeWindow(() => start(), {
    permissions: ['clipboard-read', 'clipboard-write', 'notifications'],
    // Records notifications instead of showing them (headless Chromium has no notification center).
    initScript: `
      window.__notifications = [];
      window.Notification = class {
        static permission = 'granted';
        static requestPermission() { return Promise.resolve('granted'); }
        constructor(title, options) { window.__notifications.push({ title, body: options && options.body }); }
      };
    `,
  });
  /** Registers a client with Ferry (DCR) the way Claude does; its registration. */
  const register = async (body: unknown) =>
    (await (
      await fetch(`${win.ferry.runtime.localUrl}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { client_id: string };
  const mcpPost = (token: string) =>
    rawPost(win.ferry.runtime.mcpUrl, initializeBody(1, PROTOCOL_VERSION, { name: 'probe', version: '1' }), {
      authorization: `Bearer ${token}`,
    });

  it('opens with the token from the fragment, drops it from the address bar, and shows the connector URL', async () => {
    await win.signIn();
    const url = win.page.locator('#connector-url');
    await url.waitFor();
    expect(await url.inputValue()).toBe(win.ferry.runtime.mcpUrl);
    expect(win.page.url()).not.toContain(win.ferry.runtime.adminToken);
    expect(win.page.url()).toBe(`${win.ferry.runtime.adminUrl}/#/status`);
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // The local URL cannot serve claude.ai: the headline says so, with the one button that fixes it.
    const headline = win.page.getByTestId('headline');
    expect(await headline.textContent()).toContain('Claude cannot reach Ferry yet');
    await headline.getByRole('button', { name: 'Start quick tunnel' }).waitFor();
    await win.page.getByText('This address only works on this computer').waitFor();
    // The loopback URL is never handed out as the connector URL without saying so.
    expect(await win.page.getByRole('button', { name: /^Copy$/ }).count()).toBe(0);
    await win.page.getByRole('button', { name: 'Copy local URL' }).click();
    await win.page.getByText('Copied the local URL (it works only on this computer)').waitFor();
    // (Strings: the test project has no DOM types.)
    expect(await win.page.evaluate('navigator.clipboard.readText()')).toBe(win.ferry.runtime.mcpUrl);
    // A reload keeps working: the token was kept for this tab only.
    await win.page.reload();
    await win.page.locator('#connector-url').waitFor();
    // Each card says each thing once: a stopped tunnel is "off", not "off (off)".
    expect(await win.page.getByTestId('tunnel-state').textContent()).toBe('off');
    expect(
      await win.page
        .getByRole('region', { name: 'Access' })
        .getByRole('link', { name: /ready$/ })
        .textContent(),
    ).toBe('1 of 1 ready');
    expect(await repeatedFacts(win.page)).toEqual([]);
    // The named-tunnel form names the secret store in use (a file here), not "the OS keychain".
    await win.page.getByRole('button', { name: 'Named tunnel…' }).click();
    expect(await win.page.getByTestId('named-secret-store').textContent()).toMatch(/^Ferry’s secrets file/);
    await win.page.getByRole('button', { name: 'Named tunnel…' }).click();
    await screenshot(win.page, 'status');
    expect(win.errors).toEqual([]);
  });

  it('without the token explains where the link comes from; with a stale token says it was refused', async () => {
    // New tabs: the token a tab was opened with stays in that tab's sessionStorage only.
    const bare = await win.context.newPage();
    const stale = await win.context.newPage();
    try {
      await bare.goto(`${win.ferry.runtime.adminUrl}/`);
      await bare.getByRole('heading', { name: 'Ferry needs its admin link' }).waitFor();
      expect(await bare.textContent('body')).toContain('runtime.json');
      await stale.goto(`${win.ferry.runtime.adminUrl}/#token=not-the-token`);
      await stale.getByRole('heading', { name: 'The admin token was refused' }).waitFor();
      // Opening the right link in the same tab (only the fragment changes) takes the new token at once.
      await stale.goto(`${win.ferry.runtime.adminUrl}/#token=${win.ferry.runtime.adminToken}`);
      await stale.locator('#connector-url').waitFor();
    } finally {
      await bare.close();
      await stale.close();
    }
  });

  it('refuses a bad server field by field without saving anything, then adds a pasted one that becomes ready', async () => {
    const configPath = path.join(win.ferry.dataDir, 'config.json');
    const before = await readFile(configPath, 'utf8');
    await win.open('Servers');
    await win.page.getByRole('button', { name: 'Add server' }).click();
    await win.page.getByLabel('Name').fill('bad name');
    await win.page.getByLabel('Command').fill('   ');
    await win.page.getByRole('button', { name: 'Add server' }).click();
    const nameIssues = win.page.locator('#add-name-issues');
    await nameIssues.waitFor();
    expect(await nameIssues.textContent()).toMatch(/name/i);
    await win.page.locator('#add-command-issues').waitFor();
    expect(await win.page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await win.page.getByRole('alert').first().textContent()).toContain('Nothing was saved');
    expect(await readFile(configPath, 'utf8')).toBe(before);
    await screenshot(win.page, 'servers-add-errors');

    // A Claude Desktop snippet fills the form; saving is one request.
    await win.page.getByText('Paste from a Claude Desktop config').click();
    const echo = echoServer();
    await win.page
      .getByLabel('JSON snippet')
      .fill(
        JSON.stringify(
          { mcpServers: { notes: { command: echo.command, args: echo.args, env: { GREETING: 'hi' } } } },
          null,
          2,
        ),
      );
    await win.page.getByRole('button', { name: 'Fill the form from it' }).click();
    expect(await win.page.getByLabel('Name').inputValue()).toBe('notes');
    expect(await win.page.getByLabel('Arguments').inputValue()).toBe(echo.args.join('\n'));
    expect(await win.page.getByLabel('Environment').inputValue()).toBe('GREETING=hi');
    await win.page.getByRole('button', { name: 'Add server' }).click();
    const card = win.page.locator('#server-notes');
    await card.getByText('ready', { exact: true }).waitFor({ timeout: 15_000 });
    await card.getByText('2 tools').waitFor();
    const saved = JSON.parse(await readFile(configPath, 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(saved.mcpServers.notes).toEqual({
      command: echo.command,
      args: echo.args,
      env: { GREETING: 'hi' },
    });
    await screenshot(win.page, 'servers');

    // A whole snippet imports every server in it at once; a secret-looking value goes to the secret store.
    const secret = 'sk-ferrytest0123456789abcdefXYZ';
    await win.page.getByRole('button', { name: 'Add server' }).click();
    await win.page.getByText('Paste from a Claude Desktop config').click();
    await win.page.getByLabel('JSON snippet').fill(
      JSON.stringify({
        mcpServers: {
          first: { command: echo.command, args: echo.args, env: { OPENAI_API_KEY: secret } },
          second: { command: echo.command, args: echo.args },
          remote: { url: 'https://mcp.example.com/sse' },
        },
      }),
    );
    await win.page.getByRole('button', { name: 'Import every server in it' }).click();
    await win.page
      .getByText(
        /Added first \(OPENAI_API_KEY moved to the secret store\), second\. Skipped remote: remote server/,
      )
      .waitFor();
    await win.page.locator('#server-first').getByText('2 tools').waitFor({ timeout: 15_000 });
    await win.page.locator('#server-second').getByText('2 tools').waitFor({ timeout: 15_000 });
    const imported = await readFile(configPath, 'utf8');
    expect(imported).not.toContain(secret);
    expect(
      (JSON.parse(imported) as { mcpServers: Record<string, { env?: Record<string, string> }> }).mcpServers
        .first?.env?.OPENAI_API_KEY,
    ).toMatch(/^\$\{secret:[^}]+\}$/);
    await win.page.getByRole('button', { name: 'Cancel' }).click();
    for (const name of ['first', 'second'])
      expect((await win.admin(`/servers/${name}`, { method: 'DELETE' })).status).toBe(200);
    // Claude Desktop's own config: none on this machine, and the window says so plainly.
    await win.page.getByRole('button', { name: 'Import from Claude Desktop' }).click();
    await win.page.getByRole('alert').filter({ hasText: 'Claude Desktop config not found' }).waitFor();
    expect(win.errors).toEqual([]);
  }, 60_000);

  it('shows a consent raised by a real /authorize, approves it, and the waiting page lands on its redirect', async () => {
    const origin = win.ferry.runtime.localUrl;
    const registered = await register(CLAUDE_REGISTRATION);
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client_id,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'window-test',
      scope: 'claudeai',
      resource: win.ferry.runtime.mcpUrl,
    });
    // A server with a destructive tool: the consent names it.
    const danger = await win.admin('/servers', {
      method: 'POST',
      body: JSON.stringify({
        name: 'danger',
        spec: { command: node, args: [fixture('annotated-server.ts')] },
      }),
    });
    expect(danger.status).toBe(200);
    await win.open('Servers');
    await win.page.locator('#server-danger').getByText('2 tools').waitFor({ timeout: 15_000 });
    await win.open('Consents');
    await win.page.getByText('No one is waiting.').waitFor();
    const waiting = await win.context.newPage();
    try {
      await waiting.goto(`${origin}/authorize?${query.toString()}`);
      const matchCode = (await waiting.getByLabel('match code').textContent())?.trim() ?? '';
      expect(matchCode).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);

      const card = win.page.getByRole('article').filter({ hasText: matchCode });
      await card.waitFor();
      expect(await card.textContent()).toContain('claude.ai');
      expect(await card.textContent()).toContain('claudeai');
      // What the client will get: every server (/mcp), tools counted, the destructive one named.
      await expect
        .poll(() => card.getByTestId('consent-exposure').textContent())
        .toBe('All servers (/mcp): 3 servers, 6 tools, 1 destructive: danger__wipe');
      await win.page.getByRole('link', { name: /Consents.*1 waiting/ }).waitFor();
      // Noticed headless too: the tab title carries the count, and a notification announced it.
      expect(await win.page.title()).toBe('(1) Consents · Ferry');
      expect(await win.page.evaluate('window.__notifications')).toEqual([
        expect.objectContaining({ title: 'Ferry: a connection is waiting for you' }),
      ]);
      expect(JSON.stringify(await win.page.evaluate('window.__notifications'))).toContain(matchCode);
      await screenshot(win.page, 'consents');

      // The page polls, then follows Ferry's redirect to the client's callback (which resolves to nothing here:
      // the browser is kept off the network, so the request itself is the proof).
      const landed = waiting.waitForRequest((request) => request.url().startsWith(CLAUDE_CALLBACK), {
        timeout: 15_000,
      });
      await card.getByRole('button', { name: 'Approve', exact: true }).click();
      const back = new URL((await landed).url());
      expect(back.searchParams.get('state')).toBe('window-test');
      const code = back.searchParams.get('code');
      expect(code).toBeTruthy();
      await win.page.getByText('No one is waiting.').waitFor();
      expect(await win.page.title()).toBe('Consents · Ferry');
      // The decision is kept in the history.
      const history = win.page.getByRole('region', { name: 'Past decisions' });
      await history.getByText('approved', { exact: true }).waitFor();
      expect(await history.textContent()).toContain('claudeai');
      expect((await win.admin('/servers/danger', { method: 'DELETE' })).status).toBe(200);

      const token = (await (
        await fetch(`${origin}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: code as string,
            code_verifier: verifier,
            redirect_uri: CLAUDE_CALLBACK,
            client_id: registered.client_id,
            resource: win.ferry.runtime.mcpUrl,
          }).toString(),
        })
      ).json()) as { access_token?: string };
      expect(token.access_token).toBeTruthy();
      accessToken = token.access_token as string;
    } finally {
      await waiting.close();
    }
    expect(win.errors).toEqual([]);
  });

  it('shows tool calls of an SDK client live in Activity, with previews, filters and the latency chart', async () => {
    expect(accessToken).not.toBe('');
    await win.open('Activity');
    const client = new Client({ name: 'window-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(win.ferry.runtime.mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
      }),
      REQ,
    );
    try {
      await client.callTool(
        { name: 'echo__echo', arguments: { text: 'hello from the window test' } },
        undefined,
        REQ,
      );
      const row = win.page.getByRole('row').filter({ hasText: 'hello from the window test' });
      // The row appears on call.start ("running") and is completed by call.end: wait for the outcome.
      await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/echo.*echo.*ok/s);

      for (let i = 0; i < 10; i++) {
        const server = i % 2 === 0 ? 'echo' : 'notes';
        await client.callTool(
          { name: `${server}__blob`, arguments: { bytes: 1000 * (i + 1) } },
          undefined,
          REQ,
        );
      }
      const failed = await client
        .callTool({ name: 'notes__echo', arguments: {} }, undefined, REQ)
        .catch((e: Error) => e);
      expect(failed).toBeDefined();
      await win.page.getByText(/^12 of 12 calls/).waitFor();
      await win.page.locator('figure.chart svg[role="img"]').waitFor();

      await win.page.getByLabel('Outcome').selectOption('failed');
      await win.page.getByText(/^1 of 12 calls/).waitFor();
      expect(await win.page.locator('tbody tr').count()).toBe(1);
      await win.page.getByLabel('Outcome').selectOption('');
      await win.page.getByLabel('Server').selectOption('notes');
      await win.page.getByText(/^6 of 12 calls/).waitFor();
      await win.page.getByLabel('Server').selectOption('');
      await win.page.getByText(/^12 of 12 calls/).waitFor();

      // Whole calls: the client by its name (not a session id), the arguments pretty-printed and copyable.
      const echoRow = win.page
        .locator('tbody tr[data-call]')
        .filter({ hasText: 'hello from the window test' });
      expect(await echoRow.locator('td[data-label="Client"]').textContent()).toBe('window-test');
      await echoRow.getByRole('button', { name: 'Details' }).click();
      const detail = win.page.locator('.call-full');
      expect(await detail.locator('pre').first().textContent()).toBe(
        '{\n  "text": "hello from the window test"\n}',
      );
      expect(await detail.locator('pre').nth(1).textContent()).toContain(
        '"text": "hello from the window test"',
      );
      await detail.getByRole('button', { name: 'Copy arguments' }).click();
      expect(await win.page.evaluate('navigator.clipboard.readText()')).toBe(
        '{\n  "text": "hello from the window test"\n}',
      );
      await win.page.getByLabel('Search').fill('HELLO from the');
      await win.page.getByText(/^1 of 12 calls/).waitFor();
      await win.page.getByLabel('Search').fill('');
      await win.page.getByLabel('Time').selectOption({ label: 'Last 5 minutes' });
      await win.page.getByText(/^12 of 12 calls/).waitFor();
      await win.page.getByLabel('Time').selectOption({ label: 'Any time' });

      // A call refused before it reached any child still shows, with why.
      await client
        .callTool({ name: 'nope__missing', arguments: { x: 1 } }, undefined, REQ)
        .catch(() => undefined);
      await win.page.getByText(/^12 of 13 calls|^13 of 13 calls/).waitFor();
      await win.page.getByLabel('Outcome').selectOption('refused');
      const refused = win.page.locator('tbody tr[data-call]').filter({ hasText: 'nope__missing' });
      await refused.getByText('refused').waitFor();
      await win.page.getByLabel('Outcome').selectOption('');

      // Each bar of the chart opens its call's row.
      await win.page.locator('figure.chart rect.bar').first().click();
      await expect.poll(() => win.page.locator('button.call-toggle[aria-expanded="true"]').count()).toBe(1);
      await screenshot(win.page, 'activity');

      // Replay from the window: a new call, from "Ferry window".
      await echoRow.getByRole('button', { name: /Details|Hide/ }).click();
      if ((await win.page.locator('.call-full').count()) === 0)
        await echoRow.getByRole('button', { name: 'Details' }).click();
      await win.page.locator('.call-full').getByRole('button', { name: 'Replay this call' }).click();
      await win.page
        .locator('tbody tr[data-call]')
        .filter({ hasText: 'Ferry window' })
        .filter({ hasText: 'ok' })
        .first()
        .waitFor();
      await win.page.getByText(/^14 of 14 calls/).waitFor();
      // Status now says who is connected and when the last call came.
      await win.open('Status');
      await expect
        .poll(() => win.page.getByTestId('headline').textContent())
        .toMatch(
          /^Running on this computer at http:\/\/127\.0\.0\.1:\d+ · claudeai connected · last call (just now|\d+ s ago)/,
        );
      await win.open('Activity');
    } finally {
      await client.close();
    }
    expect(win.errors).toEqual([]);
  });

  it('tails a server’s stderr live in Logs, with search and pause', async () => {
    await win.open('Logs');
    const script = `console.error('chatty says hello from pid ' + process.pid); import(${JSON.stringify(fixture('echo-server.ts'))});`;
    const added = await win.admin('/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'chatty', spec: { command: node, args: ['-e', script] } }),
    });
    expect(added.status, await added.clone().text()).toBe(200);
    const first = win.page.locator('.log-line').filter({ hasText: 'chatty says hello from pid' });
    await first.first().waitFor({ timeout: 15_000 });
    expect(await first.first().textContent()).toContain('server:chatty');

    await win.page.getByLabel('Search').fill('chatty says');
    await until(
      'search to narrow the lines',
      async () => (await win.page.locator('.log-line').count()) === 1,
    );

    await win.page.getByRole('button', { name: 'Pause' }).click();
    const restarted = await win.admin('/servers/chatty/restart', { method: 'POST' });
    expect(restarted.status).toBe(200);
    await win.page.getByText(/^Paused: [1-9]\d* new lines? since\./).waitFor({ timeout: 15_000 });
    expect(await win.page.locator('.log-line').count()).toBe(1);
    await win.page.getByRole('button', { name: 'Resume' }).click();
    await until(
      'the second line after resuming',
      async () => (await win.page.locator('.log-line').count()) === 2,
    );

    await win.page.getByLabel('Search').fill('');
    // Ferry's own events are in the log too: the child's start, the consent decision, the token issued.
    const events = win.page.locator('.log-line').filter({ hasText: 'ferry:events' });
    await events.filter({ hasText: 'server "chatty" is ready' }).first().waitFor();
    await events.filter({ hasText: 'consent for claudeai approved' }).first().waitFor();
    await events
      .filter({ hasText: /token issued/ })
      .first()
      .waitFor();
    // Wrap can be turned off; Export saves what is shown.
    await win.page.getByRole('button', { name: 'Wrap lines' }).click();
    expect(await win.page.locator('ol.log').getAttribute('class')).toContain('log-nowrap');
    await win.page.getByRole('button', { name: 'Wrap lines' }).click();
    const download = win.page.waitForEvent('download');
    await win.page.getByRole('button', { name: 'Export' }).click();
    const file = await (await download).path();
    expect(await readFile(file, 'utf8')).toMatch(/INFO \[server:chatty\] chatty says hello from pid/);
    await screenshot(win.page, 'logs');
    expect(win.errors).toEqual([]);
  });

  it('lists what a server exposes, as clients see it, and calls a tool from the window', async () => {
    await win.open('Servers');
    const card = win.page.locator('#server-notes');
    await card.getByText('What clients see').click();
    const echoTool = card.locator('li.tool[data-tool="echo"]');
    await echoTool.waitFor();
    // The exposed name on /mcp, the description, the annotations.
    expect(await echoTool.locator('.tool-name').textContent()).toBe('notes__echo');
    expect(await echoTool.textContent()).toContain('Returns the given text unchanged.');
    await echoTool.getByText('read-only', { exact: true }).waitFor();
    expect(await echoTool.getByText('destructive').count()).toBe(0);
    // A test call from a form built from the input schema.
    await echoTool.getByRole('button', { name: 'Try it' }).click();
    await echoTool.getByRole('button', { name: 'Call echo' }).click();
    await echoTool.getByText('text is required').waitFor();
    await echoTool.getByLabel('text (required)').fill('from the tools list');
    await echoTool.getByRole('button', { name: 'Call echo' }).click();
    await echoTool.locator('.try-result pre').filter({ hasText: '"text": "from the tools list"' }).waitFor();
    await screenshot(win.page, 'servers-tools');
    await win.open('Activity');
    const row = win.page.locator('tbody tr[data-call]').filter({ hasText: 'from the tools list' });
    expect(await row.locator('td[data-label="Client"]').textContent()).toBe('Ferry window');

    // A per-session server never reads "0 tools"; a slow one says how long it has been starting.
    await win.open('Servers');
    const slow = `setTimeout(() => import(${JSON.stringify(fixture('echo-server.ts'))}), 2500)`;
    for (const [name, spec, options] of [
      ['solo', echoServer(), { sessionMode: 'per-session' }],
      ['slow', { command: node, args: ['-e', slow] }, undefined],
    ] as const) {
      const added = await win.admin('/servers', {
        method: 'POST',
        body: JSON.stringify({ name, spec, ...(options ? { options } : {}) }),
      });
      expect(added.status, await added.clone().text()).toBe(200);
    }
    const slowCard = win.page.locator('#server-slow');
    await slowCard.getByText(/Starting for \d+ s\. Waiting for it to answer MCP initialize\./).waitFor();
    expect(await slowCard.locator('.counts').textContent()).toMatch(/^— tools— resources— prompts/);
    await slowCard
      .getByText('1 tool', { exact: false })
      .or(slowCard.getByText('2 tools'))
      .first()
      .waitFor({ timeout: 15_000 });
    const solo = win.page.locator('#server-solo');
    await solo.getByText('listed per session').waitFor();
    expect(await solo.locator('.counts').textContent()).not.toMatch(/\b0 tools/);
    for (const name of ['solo', 'slow'])
      expect((await win.admin(`/servers/${name}`, { method: 'DELETE' })).status).toBe(200);
    expect(win.errors).toEqual([]);
  });

  it('edits a server (refused whole on a bad field), disables, enables and removes it after confirming', async () => {
    const configPath = path.join(win.ferry.dataDir, 'config.json');
    await win.open('Servers');
    // Env values are edited one masked field at a time: the others stay, a secret goes to the secret store.
    const notes = win.page.locator('#server-notes');
    await notes.getByRole('button', { name: 'Edit' }).click();
    const greeting = win.page.getByLabel('GREETING', { exact: true });
    expect(await greeting.getAttribute('type')).toBe('password');
    expect(await greeting.inputValue()).toBe('');
    await win.page.getByLabel('Add variables').fill('GITHUB_TOKEN=ghp_ferrytestABCDEFGHIJKLMNOPQRSTUV');
    await win.page.getByRole('button', { name: 'Save changes' }).click();
    await until('the edit to reach the file', async () =>
      (await readFile(configPath, 'utf8')).includes('GITHUB_TOKEN'),
    );
    const edited = await readFile(configPath, 'utf8');
    expect(edited).not.toContain('ghp_ferrytest');
    const notesEnv = (JSON.parse(edited) as { mcpServers: Record<string, { env?: Record<string, string> }> })
      .mcpServers.notes?.env;
    expect(notesEnv?.GREETING).toBe('hi');
    expect(notesEnv?.GITHUB_TOKEN).toMatch(/^\$\{secret:[^}]+\}$/);
    await notes.getByText('ready', { exact: true }).waitFor({ timeout: 15_000 });
    const card = win.page.locator('#server-chatty');
    await card.getByRole('button', { name: 'Edit' }).click();
    const command = win.page.getByLabel('Command');
    await command.fill('');
    await win.page.getByLabel('Session mode').selectOption('per-session');
    const before = await readFile(configPath, 'utf8');
    await win.page.getByRole('button', { name: 'Save changes' }).click();
    await win.page.locator('#edit-chatty-command-issues').waitFor();
    expect(await command.getAttribute('aria-invalid')).toBe('true');
    // Nothing of the edit reached the file: not the command, not the session mode.
    expect(await readFile(configPath, 'utf8')).toBe(before);
    await win.page.getByRole('button', { name: 'Cancel' }).click();

    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('disabled', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByText('ready', { exact: true }).waitFor({ timeout: 15_000 });

    await card.getByRole('button', { name: 'Remove' }).click();
    // Escape backs out of the question; the second time it is confirmed.
    await win.page.keyboard.press('Escape');
    await card.getByRole('button', { name: 'Remove', exact: true }).click();
    await card.getByRole('button', { name: 'Remove chatty' }).click();
    await card.waitFor({ state: 'detached' });
    const saved = JSON.parse(await readFile(configPath, 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(saved.mcpServers).sort()).toEqual(['echo', 'notes']);
    expect(win.errors).toEqual([]);
  });

  it('warns on Status about a crashed server, with its stderr on Servers and a Restart that works', async () => {
    const script = "console.error('flaky cannot find its database'); process.exit(3)";
    const added = await win.admin('/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'flaky', spec: { command: node, args: ['-e', script] } }),
    });
    expect(added.status).toBe(200);
    await win.open('Status');
    const warning = win.page
      .getByRole('region', { name: 'Needs attention' })
      .getByRole('listitem')
      .filter({ hasText: 'flaky' });
    await warning.getByText(/Server "flaky" crashed/).waitFor({ timeout: 15_000 });
    await screenshot(win.page, 'status-warnings');
    const restarts = () =>
      win
        .admin('/logs?limit=5000')
        .then(
          async (res) =>
            ((await res.json()) as { source: string; message: string }[]).filter(
              (l) => l.source === 'server:flaky' && l.message.includes('cannot find its database'),
            ).length,
        );
    const before = await restarts();
    await warning.getByRole('button', { name: 'Restart flaky' }).click();
    await win.page.getByText('Restarting flaky').waitFor();
    await until('the restarted child to run again', async () => (await restarts()) > before);
    // "See its stderr" opens that server's lines in Logs.
    await warning.getByRole('link', { name: 'See its stderr' }).click({ timeout: 15_000 });
    await win.page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    expect(await win.page.getByLabel('Source').inputValue()).toBe('server:flaky');
    await win.page
      .locator('.log-line')
      .filter({ hasText: 'flaky cannot find its database' })
      .first()
      .waitFor();
    expect(await win.page.locator('.log-line').filter({ hasNotText: 'server:flaky' }).count()).toBe(0);

    await win.open('Servers');
    const card = win.page.locator('#server-flaky');
    await card.getByText('crashed', { exact: true }).waitFor();
    // A program that ran and exited: the first action is to run it in a terminal; the reason is a sentence.
    await card.getByRole('button', { name: 'Copy the command to run it in a terminal' }).click();
    expect(await win.page.evaluate('navigator.clipboard.readText()')).toContain(node);
    expect(await card.locator('.reason').textContent()).toMatch(/^[A-Z]/);
    await card.getByText(/Last stderr lines/).click();
    await card.locator('.stderr pre').filter({ hasText: 'flaky cannot find its database' }).waitFor();
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.getByRole('button', { name: 'Remove flaky' }).click();
    await card.waitFor({ state: 'detached' });

    // A program that does not exist: the first action is to edit the command.
    const ghostAdded = await win.admin('/servers', {
      method: 'POST',
      body: JSON.stringify({ name: 'ghost', spec: { command: '/nonexistent/ferry-ghost-program' } }),
    });
    expect(ghostAdded.status).toBe(200);
    const ghost = win.page.locator('#server-ghost');
    await ghost.getByText('crashed', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await ghost.locator('.reason').textContent()).toMatch(
      /^Cannot run "\/nonexistent\/ferry-ghost-program": no such program/,
    );
    await ghost.getByRole('button', { name: 'Edit command' }).click();
    await win.page.locator('#edit-ghost-command').or(win.page.getByLabel('Command')).first().waitFor();
    await win.page.getByRole('button', { name: 'Cancel' }).click();
    expect((await win.admin('/servers/ghost', { method: 'DELETE' })).status).toBe(200);
    expect(win.errors).toEqual([]);
  });

  it('works on every screen from 360 px up: no blank band, nothing cut off, tables as cards', async () => {
    const screens = ['Status', 'Servers', 'Consents', 'Clients', 'Activity', 'Logs', 'Doctor'];
    try {
      for (const width of [1280, 600, 360]) {
        await win.page.setViewportSize({ width, height: 800 });
        for (const screen of screens) {
          await win.open(screen);
          if (screen === 'Clients') await win.page.getByRole('button', { name: 'Revoke' }).first().waitFor();
          // (A string: the test project has no DOM types.)
          const layout: { gap: number; beside: number; overflow: number; cut: string[] } = await win.page
            .evaluate(`(() => {
            const nav = document.querySelector('nav.nav').getBoundingClientRect();
            const links = document.querySelector('nav.nav ul').getBoundingClientRect();
            const main = document.querySelector('main.main').getBoundingClientRect();
            const cut = [...document.querySelectorAll('main button, main a, main input, main select, main td, main th, main h2')]
              .filter((el) => el.getClientRects().length > 0)
              .filter((el) => { const r = el.getBoundingClientRect(); return r.right > innerWidth + 1 || r.left < -1; })
              .map((el) => el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40));
            return { gap: main.top - links.bottom, beside: main.left - nav.right, overflow: document.documentElement.scrollWidth - innerWidth, cut };
          })()`);
          expect({ width, screen, cut: layout.cut, overflow: layout.overflow > 0 }).toEqual({
            width,
            screen,
            cut: [],
            overflow: false,
          });
          // Narrow: the content starts right under the nav's links (only its padding between); wide: beside it.
          if (width < 760) expect(Math.abs(layout.gap), `${screen} at ${width}px`).toBeLessThan(16);
          else expect(layout.beside, `${screen} at ${width}px`).toBeGreaterThanOrEqual(-1);
        }
        if (width === 360) {
          // A table row is a card: its column names are shown next to each value.
          await win.open('Clients');
          const row = win.page.getByRole('row').filter({ hasText: 'claudeai' });
          expect(
            await win.page.evaluate(
              `getComputedStyle(document.querySelector('td[data-label="Last used"]'), '::before').content`,
            ),
          ).toBe('"Last used"');
          expect(await row.getByRole('button', { name: 'Revoke' }).isVisible()).toBe(true);
        }
      }
      await win.page.setViewportSize({ width: 420, height: 860 });
      for (const [screen, name] of [
        ['Status', 'status-narrow'],
        ['Clients', 'clients-narrow'],
        ['Activity', 'activity-narrow'],
      ] as const) {
        await win.open(screen);
        await screenshot(win.page, name);
      }
    } finally {
      await win.page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(win.errors).toEqual([]);
  }, 90_000);

  it('revokes a client in Clients, after which its next call fails with 401', async () => {
    expect((await mcpPost(accessToken)).status).toBe(200);
    await win.open('Clients');
    const row = win.page.getByRole('row').filter({ hasText: 'claudeai' });
    await row.waitFor();
    expect(await row.textContent()).toContain('claude.ai');
    await screenshot(win.page, 'clients');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke claudeai' }).click();
    await win.page.getByText('No authorized clients.').waitFor();
    expect((await mcpPost(accessToken)).status).toBe(401);
    expect(win.errors).toEqual([]);
  });

  it('shows a hostile client name escaped and cut in Consents and Clients, the match code whole', async () => {
    const origin = win.ferry.runtime.localUrl;
    const registered = await register({ ...CLAUDE_REGISTRATION, client_name: HOSTILE_NAME });
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client_id,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      state: 'hostile',
      scope: 'claudeai',
      resource: win.ferry.runtime.mcpUrl,
    });
    const waiting = await win.context.newPage();
    try {
      await win.open('Consents');
      await waiting.goto(`${origin}/authorize?${query.toString()}`);
      const matchCode = (await waiting.getByLabel('match code').textContent())?.trim() ?? '';
      const card = win.page.getByRole('article').filter({ hasText: matchCode });
      await card.waitFor();
      const name = (await card.locator('.client-name').textContent()) ?? '';
      expect(name.startsWith('Claude\\x1b]52;c;')).toBe(true);
      expect(name.endsWith('…')).toBe(true);
      expect(await card.textContent()).not.toMatch(RAW_CONTROL);
      await card.getByRole('button', { name: 'Deny' }).click();
      await win.page.getByText('No one is waiting.').waitFor();

      // The Clients screen reads the stored registration itself, not the consent the core escaped. Denied,
      // the client was never approved: it is listed apart, folded, never among the authorized ones.
      await win.open('Clients');
      await win.page.locator('summary', { hasText: 'never approved' }).click();
      const folded = win.page.getByRole('table', { name: 'Registered clients never approved' });
      const row = folded.getByRole('row').filter({ hasText: 'Claude\\x1b]52;c;' });
      await row.waitFor();
      const shown = (await row.locator('.client-name').textContent()) ?? '';
      expect(shown).toBe(`${HOSTILE_NAME_SHOWN.slice(0, 31)}…`);
      expect(await row.textContent()).not.toMatch(RAW_CONTROL);
      expect(win.errors).toEqual([]);
    } finally {
      await waiting.close();
      await win.admin(`/clients/${encodeURIComponent(registered.client_id)}`, { method: 'DELETE' });
    }
  });

  it('runs the doctor on Ferry’s own URL and shows each check, its fix, its evidence and the live timeline', async () => {
    await win.open('Doctor');
    const result = win.page.getByRole('region', { name: 'Result' });
    await result.getByText('No run yet.').waitFor();
    const live = win.page.getByRole('region', { name: 'Live connection timeline' });
    await live.getByRole('list', { name: 'Connection steps' }).waitFor();

    // A pasted token (for another URL) is masked; for Ferry's own URL the window makes one itself.
    await win.page.getByLabel('Also run the checks after sign-in').uncheck();
    expect(await win.page.getByLabel('Access token (optional)').getAttribute('type')).toBe('password');
    await win.page.getByLabel('Also run the checks after sign-in').check();
    // Held back until the running state has been seen: against a local URL the run takes well under a second.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await win.page.route('**/api/doctor', async (route) => {
      await held;
      await route.continue();
    });
    // The record of the real clients' attempt (earlier tests' OAuth round trips), which the run must keep.
    const seen = (): Promise<string[]> =>
      win.page.evaluate(
        `[...document.querySelectorAll('li.live-step-seen')].map((item) => item.dataset.step)`,
      );
    await expect.poll(async () => (await seen()).length).toBeGreaterThan(0);
    const seenBefore = await seen();
    // The timeline sits above the form, where it is seen.
    const liveTop = (await live.boundingBox())?.y ?? Infinity;
    expect(liveTop).toBeLessThan((await result.boundingBox())?.y ?? 0);
    const run = win.page.getByRole('button', { name: 'Run doctor' });
    await run.click();
    // While it runs: the button is disabled and the live region says what is going on.
    const running = win.page.getByRole('button', { name: 'Running…' });
    await running.waitFor();
    expect(await running.isDisabled()).toBe(true);
    await result.getByText(/Running the checks/).waitFor();
    release();

    const summary = result.locator('.doctor-summary');
    await summary.waitFor({ timeout: 60_000 });
    // (Only now: unrouting while the handler still holds the request would answer it a second time.)
    await win.page.unroute('**/api/doctor');
    expect(await summary.textContent()).toContain(win.ferry.runtime.mcpUrl);
    const check = (id: string) => doctorCheck(result, id);
    await checksPass(result, [
      'challenge-post',
      'challenge-get-head',
      'prm-suffixed',
      'prm-resource',
      'as-metadata',
    ]);
    // Loopback: fine for local testing, but Claude cannot reach it; the step says why and what to do.
    const reach = check('reachability');
    await reach.getByText('warning', { exact: true }).waitFor();
    expect(await reach.textContent()).toContain('Claude cannot reach it');
    expect(await reach.locator('.check-advice').textContent()).toMatch(
      /Claude needs.*https on port 443.*Fix.*Connect through Ferry's tunnel/s,
    );
    expect(await summary.textContent()).toMatch(/warning/);
    // The checks after sign-in ran with the token Ferry made for itself.
    await check('initialize').getByText('pass', { exact: true }).waitFor();

    // The evidence is behind a real expander.
    const expander = check('challenge-post').getByRole('button', { name: /^Evidence/ });
    expect(await expander.getAttribute('aria-expanded')).toBe('false');
    await expander.press('Enter');
    expect(await expander.getAttribute('aria-expanded')).toBe('true');
    const exchange = check('challenge-post').locator('.exchange').first();
    await exchange.waitFor();
    expect(await exchange.textContent()).toMatch(/POST.*\/mcp.*401/s);
    expect(await exchange.textContent()).toMatch(/www-authenticate: Bearer/i);

    // The doctor's own requests (which look like Claude's) do not wipe the real attempt; a client's next
    // first request then shows up live (refreshed every 2 s): 8 steps, the first seen.
    expect(await live.locator('li.live-step').count()).toBe(8);
    // (Asked of the core itself: the view refreshes on a 2 s timer and could still show the old state.)
    const timeline = (await (await win.admin('/timeline')).json()) as {
      steps: { id: string; at?: number }[];
    };
    expect(timeline.steps.filter((step) => step.at !== undefined).map((step) => step.id)).toEqual(seenBefore);
    await fetch(win.ferry.runtime.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    for (const title of ['401 challenge on /mcp', 'Protected-resource metadata', 'Authorized MCP request'])
      await live.getByText(title, { exact: true }).waitFor();
    await live.locator('li.live-step-seen[data-step="challenge"]').waitFor({ timeout: 10_000 });
    await expander.click();
    await win.page.evaluate('window.scrollTo(0, 0)');
    await screenshot(win.page, 'doctor');
    expect(win.errors).toEqual([]);
  }, 90_000);

  it('switches to the dark theme with the toggle and remembers it', async () => {
    await win.open('Status');
    const background = () => win.page.evaluate('getComputedStyle(document.body).backgroundColor');
    const light = await background();
    const toggle = win.page.getByRole('button', { name: /^Theme:/ });
    while (!((await toggle.getAttribute('aria-label')) ?? '').startsWith('Theme: dark')) await toggle.click();
    expect(await win.page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    expect(await background()).not.toBe(light);
    await screenshot(win.page, 'status-dark');
    await win.page.setViewportSize({ width: 420, height: 860 });
    await screenshot(win.page, 'status-narrow-dark');
    await win.open('Activity');
    await screenshot(win.page, 'activity-narrow-dark');
    await win.open('Status');
    await win.page.setViewportSize({ width: 1280, height: 800 });
    await win.page.reload();
    await win.page.locator('#connector-url').waitFor();
    expect(await win.page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    while (!((await toggle.getAttribute('aria-label')) ?? '').startsWith('Theme: light'))
      await toggle.click();
    expect(win.errors).toEqual([]);
  });

  it('greys out with "Ferry stopped" while Ferry is gone, and reconnects on the same link when it is back', async () => {
    const { adminUrl, adminToken } = win.ferry.runtime;
    const dataDir = win.ferry.dataDir;
    await win.ferry.stop({ keepDataDir: true });
    const stopped = win.page.getByRole('alert').filter({ hasText: 'Ferry stopped' });
    await stopped.waitFor({ timeout: 15_000 });
    expect(await stopped.textContent()).toContain(adminUrl as string);
    // Nothing under the grey can be used meanwhile.
    expect(await win.page.locator('.app').getAttribute('inert')).not.toBeNull();
    await win.page
      .locator('.connection')
      .filter({ hasText: `Cannot reach the Ferry admin API at ${adminUrl}` })
      .waitFor({ timeout: 15_000 });
    await screenshot(win.page, 'stopped');
    // Headless Ferry keeps its admin port and token across the restart: the same tab comes back by itself.
    win.ferry = await start(dataDir);
    expect(win.ferry.runtime.adminUrl).toBe(adminUrl);
    expect(win.ferry.runtime.adminToken).toBe(adminToken);
    await stopped.waitFor({ state: 'detached', timeout: 30_000 });
    await win.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(await win.page.locator('.app').getAttribute('inert')).toBeNull();
  }, 60_000);
});

/**
 * The tunnel part of Status against `ferry serve --tunnel quick` with the fake cloudflared (no network): the
 * connector URL follows the tunnel, Stop/Start work, and a new quick-tunnel hostname raises the warning that
 * the connector must be re-added, with the new URL one click away.
 */
describe.skipIf(!haveChromium)('the window with a quick tunnel', () => {
  let tunnel: QuickTunnelServe;
  const win = useServeWindow(
    async () => (tunnel = await startQuickTunnelServe('ferry-window-tunnel-')).ferry,
    { permissions: ['clipboard-read', 'clipboard-write'], stop: () => tunnel?.stop() },
  );

  it('shows the tunnel URL to paste, restarts the tunnel, and warns with the new URL when it changed', async () => {
    await win.signIn();
    const tunnel = win.page.getByRole('region', { name: 'Tunnel' });
    await tunnel.getByText('connected', { exact: true }).waitFor({ timeout: 20_000 });
    const url = win.page.locator('#connector-url');
    await until('the tunnel URL', async () =>
      /^https:\/\/[a-z-]+\.trycloudflare\.com\/mcp$/.test(await url.inputValue()),
    );
    const first = await url.inputValue();
    expect(await tunnel.getByTestId('tunnel-state').textContent()).toBe('connected (quick)');
    const headline = win.page.getByTestId('headline');
    expect(await headline.textContent()).toContain(
      `Online at ${first.replace(/\/mcp$/, '')} · no client connected yet`,
    );
    await headline.getByRole('button', { name: 'Copy connector URL' }).waitFor();
    expect(await repeatedFacts(win.page)).toEqual([]);

    await tunnel.getByRole('button', { name: 'Stop tunnel' }).click();
    await tunnel.getByText('off', { exact: true }).first().waitFor();
    expect(await tunnel.getByTestId('tunnel-state').textContent()).toBe('off');
    expect(await repeatedFacts(win.page)).toEqual([]);
    await win.page.getByText('This address only works on this computer').waitFor();
    await tunnel.getByRole('button', { name: 'Start quick tunnel' }).click();
    await tunnel.getByText('connected', { exact: true }).waitFor({ timeout: 20_000 });
    await until('a new tunnel URL', async () => {
      const value = await url.inputValue();
      return value !== first && value.endsWith('.trycloudflare.com/mcp');
    });
    const second = await url.inputValue();

    const warning = win.page
      .getByRole('region', { name: 'Needs attention' })
      .getByRole('listitem')
      .filter({ hasText: 'The public URL changed' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain(second.replace(/\/mcp$/, ''));
    await warning.getByRole('button', { name: 'Copy new URL' }).click();
    await win.page.getByText('Copied the new connector URL').waitFor();
    expect(await win.page.evaluate('navigator.clipboard.readText()')).toBe(second);
    await screenshot(win.page, 'status-tunnel');
    await warning.getByRole('button', { name: 'Dismiss' }).click();
    await warning.waitFor({ state: 'detached' });
    expect(win.errors).toEqual([]);
  });
});

/** `ferry serve --no-auth`: the window must not send the user to approve consents that never come. */
describe.skipIf(!haveChromium)('the window without OAuth', () => {
  const win = useServeWindow(() => startServeProcess({ mcpServers: { echo: echoServer() } }));

  it('says OAuth is off, offers the local URL as such, and never asks to approve anything', async () => {
    await win.signIn();
    const headline = win.page.getByTestId('headline');
    await headline.getByRole('button', { name: 'Copy local URL' }).waitFor();
    expect(await headline.textContent()).toContain('OAuth is off (--no-auth)');
    expect(await win.page.locator('main').textContent()).not.toMatch(/\bapprove\b/i);
    expect(win.errors).toEqual([]);
  });
});
