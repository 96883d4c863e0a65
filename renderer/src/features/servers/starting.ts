/** Launchers that download the package on first use, so a first start can take a minute. */
const DOWNLOADERS = /(^|[/\\])(npx|uvx|bunx|pnpm|pnpx|yarn|pipx)(\.cmd|\.exe)?$/i;

/** What is likely going on while a server starts, in words. */
export function startingHint(command: string): string {
  const launcher = DOWNLOADERS.exec(command)?.[2];
  return launcher
    ? `${launcher} may be downloading the package on its first run; this can take a minute.`
    : 'Waiting for it to answer MCP initialize.';
}
