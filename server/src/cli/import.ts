import { access, constants } from 'node:fs/promises';
import type { ParseArgsOptionsConfig } from 'node:util';
import path from 'node:path';
import { ConfigFile } from '../config/save.js';
import { claudeDesktopConfigPath, defaultConfigPath, defaultDataDir } from '../config/paths.js';
import { formatImportReport, importClaudeDesktop } from '../config/import.js';
import { openSecretStore } from '../secrets/open.js';
import { parseCommand, UsageError } from './args.js';
import { IMPORT_USAGE } from './usage.js';
import { red, safe } from './render.js';

const IMPORT_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  secrets: { type: 'string', default: 'detected' },
  'secret-store': { type: 'string' },
  overwrite: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

/** `ferry import [file]`: copies Claude Desktop's stdio servers into Ferry's config, secrets into the keychain. */
export async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, IMPORT_OPTIONS, IMPORT_USAGE, true);
  if (positionals.length > 1) throw new UsageError('ferry import takes at most one file');
  const moveSecrets = values.secrets;
  if (moveSecrets !== 'detected' && moveSecrets !== 'all' && moveSecrets !== 'none') {
    throw new UsageError(`--secrets must be detected, all or none, not "${moveSecrets}"`);
  }
  const storeKind = values['secret-store'] ?? 'keychain';
  if (storeKind !== 'keychain' && storeKind !== 'file')
    throw new UsageError('--secret-store must be keychain or file');
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const target = new ConfigFile(values.config ?? defaultConfigPath(dataDir));
  // The input first: a missing file must not be reported as a keychain problem (or ask for keychain access).
  const source = path.resolve(positionals[0] ?? claudeDesktopConfigPath());
  try {
    await access(source, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      red(
        code === 'ENOENT'
          ? `${safe(source)}: file not found. Give the path of claude_desktop_config.json, or check that Claude Desktop is installed and has MCP servers configured.`
          : `${safe(source)}: cannot read it (${code ?? 'error'}). Check the file's permissions.`,
      ),
    );
    return 2;
  }
  try {
    const secrets = moveSecrets === 'none' ? undefined : await openSecretStore({ kind: storeKind, dataDir });
    const report = await importClaudeDesktop({
      sourcePath: source,
      target,
      secrets,
      moveSecrets,
      overwrite: values.overwrite,
    });
    // Server names and reasons come from another app's config file: each line is escaped on its own.
    console.log(
      formatImportReport(report)
        .map((line) => safe(line))
        .join('\n'),
    );
    return report.imported.length > 0 || report.skipped.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(red((error as Error).message));
    return 2;
  }
}
