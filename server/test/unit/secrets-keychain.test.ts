import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainSecretStore, keychainAdvice } from '../../src/secrets/keychain.js';
import { openSecretStore } from '../../src/secrets/open.js';
import { SecretStoreError } from '../../src/secrets/types.js';

describe('keychainAdvice', () => {
  it('tells Linux users what must run and names the explicit file alternative', () => {
    const advice = keychainAdvice('linux');
    expect(advice).toContain('gnome-keyring');
    expect(advice).toContain('unlocked');
    expect(advice).toContain('--secret-store file');
    expect(advice).toContain('"secretStore": "file"');
    expect(advice).toContain('less safe');
  });

  it('speaks of the platform keychain on macOS and Windows', () => {
    expect(keychainAdvice('darwin')).toContain('login keychain');
    expect(keychainAdvice('win32')).toContain('Credential Manager');
    for (const platform of ['darwin', 'win32'] as const)
      expect(keychainAdvice(platform)).toContain('--secret-store file');
  });
});

describe('KeychainSecretStore', () => {
  it('rejects invalid keys before touching the keychain', async () => {
    const error = await new KeychainSecretStore().get('bad key').catch((e: unknown) => e);
    expect((error as SecretStoreError).code).toBe('invalid_secret_key');
  });

  // With the session bus address pointing nowhere, the Secret Service is really unreachable: the real error path.
  describe.runIf(process.platform === 'linux')('without a reachable Secret Service', () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.DBUS_SESSION_BUS_ADDRESS;
      process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=/nonexistent/ferry-${randomBytes(4).toString('hex')}`;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    });

    it('wraps every operation failure as keychain_unavailable with advice', async () => {
      const store = new KeychainSecretStore({ service: `ferry-test-${randomBytes(4).toString('hex')}` });
      for (const attempt of [store.get('k'), store.set('k', 'v'), store.delete('k')]) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SecretStoreError);
        expect((error as SecretStoreError).code).toBe('keychain_unavailable');
        expect((error as SecretStoreError).message).toMatch(
          /^Cannot (read|store|delete) secret "k" in the OS keychain \(/,
        );
        expect((error as SecretStoreError).message).toContain('gnome-keyring');
        expect((error as SecretStoreError).cause).toBeInstanceOf(Error);
      }
    });

    it('makes openSecretStore fail closed instead of falling back', async () => {
      const error = await openSecretStore({
        kind: 'keychain',
        dataDir: '/nonexistent',
        service: `ferry-test-${randomBytes(4).toString('hex')}`,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretStoreError);
      expect((error as SecretStoreError).code).toBe('keychain_unavailable');
      expect((error as SecretStoreError).message).toMatch(/^Ferry cannot use the OS keychain \(.+\)\. /);
      expect((error as SecretStoreError).message).not.toContain('probe/');
      expect((error as SecretStoreError).message).toContain('--secret-store file');
    });
  });
});
