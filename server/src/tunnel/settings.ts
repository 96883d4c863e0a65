import path from 'node:path';
import type { LiveConfig, SettingsView } from '../config/live.js';
import type { EventBus } from '../events/bus.js';
import type { TunnelMode } from '../events/types.js';
import type { SecretStore } from '../secrets/types.js';
import { findCloudflared } from './binary.js';

/** Where a named tunnel's token lives in the secret store (never in the config file). */
export const TUNNEL_TOKEN_KEY = 'tunnel/token';

/** A named tunnel's token, if one was saved. */
export async function namedTunnelToken(secrets: () => Promise<SecretStore>): Promise<string | undefined> {
  return (await secrets()).get(TUNNEL_TOKEN_KEY);
}

/** Saves a named tunnel: the token to the secret store, the hostname (and `mode: named`) to the config. */
export async function saveNamedTunnel(
  target: { secrets: () => Promise<SecretStore>; config: LiveConfig },
  token: string,
  hostname: string,
): Promise<void> {
  await (await target.secrets()).set(TUNNEL_TOKEN_KEY, token);
  await target.config.edit((file) => file.setNamedTunnel(hostname));
}

/**
 * The tunnel when neither the command line nor the config names one: a quick tunnel when a cloudflared binary
 * is already on this machine (nothing is downloaded unasked), else none.
 */
export async function defaultTunnelMode(options: {
  settings: SettingsView<'tunnel'>;
  dataDir: string;
  bundledDir: string | undefined;
  bus: EventBus;
}): Promise<'quick' | 'off'> {
  const found = await findCloudflared({
    configured: options.settings.ferry.tunnel.binary,
    bundledDir: options.bundledDir,
    installDir: path.join(options.dataDir, 'bin'),
  });
  if (!found)
    options.bus.log(
      'info',
      'tunnel',
      'no cloudflared on this machine: serving locally only (ferry serve --tunnel quick installs it)',
    );
  return found ? 'quick' : 'off';
}

/**
 * The tunnel this start brings up: the command line's, else the config's, else the default. Without OAuth
 * Ferry may only serve loopback, so a tunnel or a public URL is refused before anything listens.
 */
export async function startupTunnelMode(options: {
  explicit: TunnelMode | undefined;
  oauth: boolean;
  publicUrl: boolean;
  settings: SettingsView<'tunnel'>;
  dataDir: string;
  bundledDir: string | undefined;
  bus: EventBus;
}): Promise<TunnelMode> {
  const mode =
    options.explicit ??
    options.settings.ferry.tunnel.mode ??
    (options.oauth ? await defaultTunnelMode(options) : 'off');
  if (!options.oauth && (options.publicUrl || mode !== 'off')) {
    throw new Error(
      'OAuth can only be switched off for loopback use: remove --public-url (or ferry.publicUrl), use --tunnel off, or keep OAuth on',
    );
  }
  return mode;
}
