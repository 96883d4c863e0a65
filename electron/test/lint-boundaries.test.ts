import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/desktop.js';

/**
 * The boundaries the lint config enforces, checked against the real config: raw IPC only in the two typed
 * wrappers, Electron reached through the injected host, no Electron in the core or the window, and the
 * window reaching the core only through the admin contract module.
 */
const eslint = new ESLint({ cwd: repoRoot });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('lint keeps the shell’s boundaries', () => {
  it('bans raw ipcMain outside the typed wrapper, both as an import and as a property', async () => {
    const file = 'electron/src/main/tray/menu.ts';
    expect(await ruleIds(file, "import { ipcMain } from 'electron';\nvoid ipcMain;\n")).toEqual(
      expect.arrayContaining(['no-restricted-syntax', 'no-restricted-imports']),
    );
    expect(
      await ruleIds(
        file,
        "import type { ElectronHost } from '../host.js';\nexport const f = (h: ElectronHost) => h.ipcMain;\n",
      ),
    ).toContain('no-restricted-properties');
    expect(
      await ruleIds(
        file,
        "import type { ElectronHost } from '../host.js';\nexport const f = ({ ipcMain }: ElectronHost) => ipcMain;\n",
      ),
    ).toContain('no-restricted-properties');
  });

  it('lets the wrappers use raw IPC and everyone import Electron types', async () => {
    expect(
      await ruleIds(
        'electron/src/main/ipc/typedIpc.ts',
        "import type { ElectronHost } from '../host.js';\nexport const f = (h: ElectronHost) => h.ipcMain;\n",
      ),
    ).toEqual([]);
    expect(
      await ruleIds(
        'electron/src/main/tray/menu.ts',
        "import type { Tray } from 'electron';\nexport type T = Tray;\n",
      ),
    ).toEqual([]);
  });

  it('bans ipcRenderer outside the preload entry and Electron in the core and the window', async () => {
    expect(
      await ruleIds(
        'electron/src/preload/bridge.ts',
        "import { ipcRenderer } from 'electron';\nvoid ipcRenderer;\n",
      ),
    ).toContain('no-restricted-syntax');
    expect(await ruleIds('server/src/core.ts', "import { app } from 'electron';\nvoid app;\n")).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds('renderer/src/main.tsx', "import { shell } from 'electron';\nvoid shell;\n"),
    ).toContain('no-restricted-imports');
  });

  it('lets the window import the core only through the admin contract, and that only as types', async () => {
    const restricted = async (file: string, code: string) =>
      (await ruleIds(file, code)).filter((id) => id === 'no-restricted-imports');
    // A deep import, even type-only, ties the window to the core's insides.
    expect(
      await restricted(
        'renderer/src/api/types.ts',
        "import type { Hub } from '../../../server/src/hub/hub.js';\nexport type H = Hub;\n",
      ),
    ).toEqual(['no-restricted-imports']);
    expect(
      await restricted(
        'renderer/src/features/servers/ToolsPanel.tsx',
        "export type { StatusSnapshot } from '../../../../server/src/admin/api.js';\n",
      ),
    ).toEqual(['no-restricted-imports']);
    // The operation table itself carries zod and the handlers: never bundled into the window.
    expect(
      await restricted(
        'renderer/src/api/client.ts',
        "import { adminOperations } from '../../../server/src/admin/operations.js';\nexport const o = adminOperations;\n",
      ),
    ).toEqual(['no-restricted-imports']);
    // The contract module: types yes, values no.
    expect(
      await restricted(
        'renderer/src/api/types.ts',
        "import type { StatusSnapshot } from '../../../server/src/admin/contractTypes.js';\nexport type S = StatusSnapshot;\n",
      ),
    ).toEqual([]);
    expect(
      await restricted(
        'renderer/src/api/types.ts',
        "import * as contract from '../../../server/src/admin/contractTypes.js';\nexport const c = contract;\n",
      ),
    ).toEqual(['no-restricted-imports']);
  });
});
