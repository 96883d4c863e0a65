/**
 * What a link to the Servers screen asks to show (`#/servers?server=git&tools=1&tool=push`, the tray's
 * "Review git/push…"): that server's card, its tools opened, that tool's review. `at` is the query it came
 * from, new on every `hashchange`, so following the same kind of link again scrolls again.
 */
export interface ServerLink {
  at: URLSearchParams;
  server: string | undefined;
  tools: boolean;
  /** The tool's own name (as its server calls it), as `data-tool` holds it. */
  tool: string | undefined;
}

export function serverLink(query: URLSearchParams): ServerLink {
  const tool = query.get('tool') ?? undefined;
  return {
    at: query,
    server: query.get('server') ?? undefined,
    tools: query.get('tools') === '1' || tool !== undefined,
    tool,
  };
}

/**
 * How long a link waits before it scrolls: past the screen's move of focus to its heading, which runs after
 * the screen's own effects and would scroll back to the top (the same delay as focusing a card after a save).
 */
export const LINK_SCROLL_DELAY_MS = 50;
