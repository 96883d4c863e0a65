import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';

/**
 * Variables a child inherits besides the SDK's allowlist (HOME, PATH, USER, ...): locale and temp
 * locations change program behaviour but carry no credentials. Nothing of Ferry's own environment
 * (tokens, FERRY_*) is ever passed on.
 */
const EXTRA_SAFE_VARIABLES = ['LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TMP', 'TEMP', 'TZ', 'XDG_RUNTIME_DIR'];

export function childEnvironment(serverEnv: Record<string, string> = {}): Record<string, string> {
  const env = getDefaultEnvironment();
  for (const name of EXTRA_SAFE_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return { ...env, ...serverEnv };
}
