import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';

/** Where Ferry writes cloudflared's config for a locally-managed tunnel (rewritten on every start). */
export function ingressConfigPath(dataDir: string): string {
  return path.join(dataDir, 'cloudflared-ingress.yml');
}

/** Largest credentials file read: the real one is about 200 bytes; anything far larger is not one. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

const TUNNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tunnel id from a credentials file `cloudflared tunnel create` wrote (`{"AccountTag", "TunnelSecret",
 * "TunnelID"}`). Throws with a sentence the tunnel state can show when the file is missing or not one.
 */
export async function tunnelIdFrom(credentialsFile: string): Promise<string> {
  let text: string;
  try {
    const bytes = await readFile(credentialsFile);
    if (bytes.length > MAX_CREDENTIALS_BYTES) throw new Error('too large');
    text = bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read the tunnel credentials file ${credentialsFile} (${code ?? (error as Error).message}): ` +
        'set ferry.tunnel.credentialsFile to the <UUID>.json that `cloudflared tunnel create` wrote',
    );
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as { TunnelID?: unknown }).TunnelID;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || !TUNNEL_ID.test(id)) {
    throw new Error(
      `${credentialsFile} is not a tunnel credentials file (no "TunnelID"): use the <UUID>.json that \`cloudflared tunnel create\` wrote`,
    );
  }
  return id;
}

export interface IngressOptions {
  tunnelId: string;
  credentialsFile: string;
  /** The main hostname first, then each server's own; all go to the same listener (Ferry routes by Host). */
  hostnames: readonly string[];
  /** Ferry's public listener, e.g. `http://127.0.0.1:8790`. */
  service: string;
}

/**
 * cloudflared's config for a locally-managed tunnel: one ingress rule per hostname to Ferry's listener, then
 * the catch-all cloudflared requires (404 for any other hostname). Values are JSON strings, which YAML reads
 * as double-quoted scalars, so a path with spaces or quotes stays one value.
 */
export function ingressYaml(options: IngressOptions): string {
  const q = (value: string) => JSON.stringify(value);
  const lines = [
    '# Written by Ferry each time it starts the tunnel; edits here are overwritten.',
    "# Change ferry.tunnel.hostname / serverHostnames / credentialsFile in Ferry's config instead.",
    `tunnel: ${q(options.tunnelId)}`,
    `credentials-file: ${q(options.credentialsFile)}`,
    'ingress:',
  ];
  for (const hostname of options.hostnames) {
    lines.push(`  - hostname: ${q(hostname)}`, `    service: ${q(options.service)}`);
  }
  lines.push('  - service: "http_status:404"', '');
  return lines.join('\n');
}

/** Writes the config (0600: it names the credentials file) and returns its path. */
export async function writeIngressConfig(dataDir: string, options: IngressOptions): Promise<string> {
  const file = ingressConfigPath(dataDir);
  await writeFileAtomic(file, ingressYaml(options), { mode: 0o600 });
  return file;
}
