import { describe, expect, it } from 'vitest';
import { eventually, fixture, launch, useTestDirs } from './helpers/desktop.js';

const dirs = useTestDirs({
  mcpServers: { echo: { command: process.execPath, args: [fixture('echo-server.ts')] } },
});

describe('pause exposure from the tray', () => {
  it('pauses and resumes the real core, the menu follows, and a relaunch stays paused', async () => {
    const app = await launch(dirs, { argv: ['--hidden'] });
    await app.desktop.core.whenSettled();
    app.fake.menu.click('Pause exposure');
    await eventually(() => app.fake.menu.labels().includes('Resume exposure'), 'the menu to offer Resume');
    expect(app.desktop.core.admin.status().paused).toBe(true);
    expect(app.fake.tray.toolTip).toBe('Ferry — paused: Claude cannot reach your servers');
    expect(app.fake.menu.labels()).not.toContain('Expose to Claude');
    await app.quit();

    const again = await launch(dirs, { argv: ['--hidden'] });
    try {
      expect(again.desktop.core.admin.status().paused).toBe(true);
      expect(again.fake.menu.labels()).toContain('Resume exposure');
      again.fake.menu.click('Resume exposure');
      await eventually(() => again.fake.menu.labels().includes('Pause exposure'), 'the menu to offer Pause');
      expect(again.desktop.core.admin.status().paused).toBe(false);
    } finally {
      await again.quit();
    }
  }, 60_000);
});
