import { readFileSync } from 'node:fs';

/** Read once from the package so the CLI, serverInfo and the UI report the same version. */
export const FERRY_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
