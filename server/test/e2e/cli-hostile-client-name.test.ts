import { describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkce } from '../helpers/oauth.js';
import { startServeProcess } from '../helpers/serveProcess.js';

/** A client names itself at registration (HOSTILE_NAME); `ferry serve` prints that name in several places. */
describe('ferry serve, a hostile client name on the terminal', () => {
  it('prints the consent and the log lines with every control escaped, and the match code on the prompt line', async () => {
    // --verbose: the registration and session lines are printed too, each quoting the name.
    const ferry = await startServeProcess({ mcpServers: { echo: echoServer() } }, [
      '--tunnel',
      'off',
      '--verbose',
    ]);
    try {
      const origin = ferry.runtime.localUrl;
      const registration = await fetch(`${origin}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: HOSTILE_NAME }),
      });
      expect(registration.status).toBe(201);
      const { client_id: clientId } = (await registration.json()) as { client_id: string };
      const { challenge } = pkce();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: CLAUDE_CALLBACK,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 's',
        scope: 'claudeai',
        resource: `${origin}/mcp`,
      });
      const start = await fetch(`${origin}/authorize?${query.toString()}`, { redirect: 'manual' });
      const cookie = start.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const page = await (
        await fetch(new URL(start.headers.get('location') as string, origin), { headers: { cookie } })
      ).text();
      const code = /aria-label="match code">([A-Z0-9-]+)</.exec(page)?.[1] as string;
      expect(code).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
      // The waiting page (HTML-escaped already) shows the name with its overrides made visible as well.
      expect(page).not.toMatch(RAW_CONTROL);
      expect(page).toContain('Claude\\x1b]52;c;');

      const waitFor = async (text: string) => {
        const deadline = Date.now() + 10_000;
        while (!ferry.output().includes(text) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        expect(ferry.output()).toContain(text);
      };
      await waitFor(code);
      // Denied through the admin API: the "consent for <name> denied" line quotes the name once more.
      const pending = (await (
        await fetch(`${ferry.runtime.adminUrl}/api/consents`, {
          headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
        })
      ).json()) as { id: string; matchCode: string }[];
      const consent = pending.find((c) => c.matchCode === code);
      expect(consent).toBeDefined();
      const denied = await fetch(`${ferry.runtime.adminUrl}/api/consents/${consent?.id}/deny`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ferry.runtime.adminToken}` },
      });
      expect(denied.status).toBe(200);
      await waitFor('denied');

      const output = ferry.output();
      // Not a single raw control or bidi character anywhere (stdout is a pipe, so Ferry adds no colours).
      const lines = output.split('\n');
      expect(output).not.toMatch(RAW_CONTROL);
      // The name is there, made visible rather than hidden: whole in the registration log line…
      const registered = lines.find((line) => line.includes('registered "'));
      expect(registered).toContain(`registered "${HOSTILE_NAME_SHOWN}"`);
      // …and cut, so the match code stays on the line that names the client.
      const request = lines.find((line) => line.includes('Connection request from'));
      expect(request).toBeDefined();
      expect(request).toContain('…');
      expect(request).not.toContain('x'.repeat(100));
      expect(request).toContain('(returns to claude.ai)');
      expect(lines.find((line) => line.includes('match code'))).toContain(code);
      expect(lines.some((line) => /consent for Claude\\x1b.*denied/.test(line))).toBe(true);
    } finally {
      expect(await ferry.stop()).toBe(0);
    }
  });
});
