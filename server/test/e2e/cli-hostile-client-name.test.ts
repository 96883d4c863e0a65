import { describe, expect, it } from 'vitest';
import { echoServer } from '../helpers/fixtures.js';
import { HOSTILE_NAME, HOSTILE_NAME_SHOWN, RAW_CONTROL } from '../helpers/hostileText.js';
import { OAuthHarness } from '../helpers/oauth.js';
import { startServeProcess } from '../helpers/serveProcess.js';
import { until } from '../helpers/until.js';

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
      const h = new OAuthHarness(ferry, ferry.runtime.localUrl);
      const clientId = await h.registerClient({ client_name: HOSTILE_NAME });
      const { html: page, matchCode: code } = await h.waitingPage({ clientId, state: 's' });
      expect(code).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
      // The waiting page (HTML-escaped already) shows the name with its overrides made visible as well.
      expect(page).not.toMatch(RAW_CONTROL);
      expect(page).toContain('Claude\\x1b]52;c;');

      const waitFor = async (text: string) => {
        await until(`"${text}" on the terminal`, () => ferry.output().includes(text)).catch(() => undefined);
        expect(ferry.output()).toContain(text);
      };
      await waitFor(code as string);
      // Denied through the admin API: the "consent for <name> denied" line quotes the name once more.
      const pending = await h.adminJson<{ id: string; matchCode: string }[]>('/api/consents');
      const consent = pending.find((c) => c.matchCode === code);
      expect(consent).toBeDefined();
      const denied = await h.admin(`/api/consents/${consent?.id}/deny`, { method: 'POST', body: '{}' });
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
