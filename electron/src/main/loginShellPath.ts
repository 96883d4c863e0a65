import { execFile } from 'node:child_process';
import path from 'node:path';

const MARKER = '__FERRY_PATH__';

/**
 * The PATH the user's login shell sets up. An app started from the Finder, the Dock or a desktop launcher
 * inherits a bare PATH (`/usr/bin:/bin:…`), so the `npx`, `uvx` or `node` that the servers in Claude
 * Desktop's config call (installed by Homebrew, nvm, volta, asdf…) are not found, and every server fails
 * with ENOENT. Asking the shell once at start is what the terminal would have given those commands.
 * Resolves undefined when the shell is missing, slow or says nothing usable.
 */
export function loginShellPath(
  env: Record<string, string | undefined>,
  timeoutMs = 5000,
): Promise<string | undefined> {
  const shell = env.SHELL && path.isAbsolute(env.SHELL) ? env.SHELL : '/bin/sh';
  return new Promise((resolve) => {
    execFile(
      shell,
      ['-ilc', `printf '\\n${MARKER}%s\\n' "$PATH"`],
      {
        // Keep prompts, update checks and terminal-only setup from running or waiting for input.
        env: { ...env, DISABLE_AUTO_UPDATE: 'true', ZSH_TMUX_AUTOSTARTED: 'true', TERM: 'dumb' },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout) => {
        const line = stdout
          ?.toString()
          .split('\n')
          .find((candidate) => candidate.startsWith(MARKER));
        const value = line?.slice(MARKER.length).trim();
        resolve(!error && value ? value : undefined);
      },
    );
  });
}

/** The shell's entries first (that is the order the user chose), then anything only the app had. */
export function mergePaths(shellPath: string, current: string | undefined): string {
  const seen = new Set<string>();
  const merged: string[] = [];
  for (const entry of [...shellPath.split(path.delimiter), ...(current ?? '').split(path.delimiter)]) {
    if (!entry || seen.has(entry)) continue;
    seen.add(entry);
    merged.push(entry);
  }
  return merged.join(path.delimiter);
}
