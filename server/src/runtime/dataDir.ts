import { secureDataDir } from '../config/dataDirMode.js';
import { removeStaleTempFiles, removeStaleTempFilesOf } from '../util/atomicWrite.js';
import type { EventBus } from '../events/bus.js';

/**
 * Readies the data directory before anything reads it: its mode tightened (or the reason it could not be),
 * and the temp files a Ferry killed mid-write left beside their (intact) targets removed, since nothing else
 * ever removes them. Returns the warning that must stay on the status until the user fixes it.
 */
export async function prepareDataDir(
  dataDir: string,
  configPath: string,
  bus: EventBus,
): Promise<string | undefined> {
  const dirCheck = await secureDataDir(dataDir);
  if (dirCheck.warning) bus.log('warn', 'ferry', dirCheck.warning);
  const leftovers = [...(await removeStaleTempFiles(dataDir)), ...(await removeStaleTempFilesOf(configPath))];
  if (leftovers.length > 0)
    bus.log('info', 'ferry', `removed ${leftovers.length} temp file(s) left by an interrupted write`);
  // A directory Ferry fixed needs nothing more; one it could not stays on the status until fixed.
  return dirCheck.outcome === 'open' ? dirCheck.warning : undefined;
}
