import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturesDir = path.join(repoRoot, 'server/test/fixtures');
/** Node 22 (the devDependency) runs the `.ts` fixtures directly; vitest itself runs on it too. */
export const node = process.execPath;

export const fixture = (name: string) => path.join(fixturesDir, name);

export const echoServer = (...args: string[]) => ({
  command: node,
  args: [fixture('echo-server.ts'), ...args],
});
export const faultServer = (...flags: string[]) => ({
  command: node,
  args: [fixture('fault-server.ts'), ...flags],
});
export const everythingServer = () => ({
  command: node,
  args: [path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')],
});
export const filesystemServer = (...dirs: string[]) => ({
  command: node,
  args: [path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'), ...dirs],
});
export const policyServer = (...flags: string[]) => ({
  command: node,
  args: [fixture('policy-server.ts'), ...flags],
});
export const modernServer = (discover: 'modern' | 'hang' | 'error' = 'modern') => ({
  command: node,
  args: [fixture('modern-server.ts'), `--discover=${discover}`],
});
