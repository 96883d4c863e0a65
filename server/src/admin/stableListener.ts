import { loadAdminIdentity, newAdminToken, saveAdminIdentity } from './identity.js';
import { startAdminListener, type AdminListener, type AdminListenerOptions } from './listener.js';

export interface StableAdminOptions extends Omit<AdminListenerOptions, 'host' | 'port' | 'token'> {
  /** 0 = the last run's port (when kept), else any free one. */
  port: number;
  dataDir: string;
  /** Keep port and token across restarts in `<dataDir>/admin.json`; `rotate` mints a new token. */
  stable: { rotate?: boolean } | undefined;
}

/**
 * The headless admin listener on loopback, with the identity a window opened before a restart still knows
 * when `stable`: an explicit port wins; otherwise the last run's, or any free one if it is taken now.
 */
export async function startStableAdminListener(
  options: StableAdminOptions,
): Promise<{ listener: AdminListener; token: string }> {
  const { port: asked, dataDir, stable, ...rest } = options;
  const saved = stable ? await loadAdminIdentity(dataDir) : undefined;
  const token = stable?.rotate ? newAdminToken() : (saved?.token ?? newAdminToken());
  const start = (port: number) => startAdminListener({ ...rest, host: '127.0.0.1', port, token });
  const preferred = asked === 0 && saved ? saved.port : asked;
  let listener: AdminListener;
  try {
    listener = await start(preferred);
  } catch (error) {
    if (preferred === asked || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    options.bus.log('warn', 'ferry', `admin port ${preferred} is taken now; the window moved to a new port`);
    listener = await start(0);
  }
  if (stable) await saveAdminIdentity(dataDir, { port: Number(listener.url.port), token });
  return { listener, token };
}
