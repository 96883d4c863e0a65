// @ts-check
// electron-builder configuration: `electron-builder -c build/electron-builder.config.mjs`.
// Paths are relative to the project root (electron-builder's projectDir), except the hook, which is
// absolute so it resolves the same whatever the working directory.
import { fileURLToPath } from 'node:url';

/** @typedef {import('electron-builder').Configuration} Configuration */

/** Where the packaged app finds cloudflared: `process.resourcesPath + '/bin'`. */
export const CLOUDFLARED_RESOURCE_DIR = 'bin';

/** Per-target source of cloudflared; electron-builder expands `${os}` (mac|win|linux) and `${arch}`. */
export const DEFAULT_CLOUDFLARED_DIR = 'build/bin/${os}-${arch}';

/**
 * The configuration for an environment. `FERRY_CLOUDFLARED_DIR` replaces the cloudflared source
 * directory (macros allowed), so tests and custom pipelines can ship a binary from elsewhere.
 *
 * @param {Record<string, string | undefined>} [env]
 * @returns {Configuration}
 */
export function createConfig(env = process.env) {
  return {
    appId: 'dev.ferry.app',
    productName: 'Ferry',
    copyright: 'Copyright © Ferry contributors',
    directories: { buildResources: 'build', output: 'release' },
    icon: 'build/icon.png',
    // Written into the packaged package.json, where Electron reads it (see linux.syncDesktopName).
    extraMetadata: { desktopName: 'ferry.desktop' },

    // Only the built output ships. Production node_modules are added by electron-builder itself
    // (dependencies only, never devDependencies); the negations below apply to them too.
    files: [
      'package.json',
      'electron/dist/**/*',
      'electron/assets/**/*',
      'server/dist/**/*',
      'renderer/dist/**/*',
      // No sources or type information at runtime, ours or the dependencies' (.d.ts included).
      '!**/*.{ts,mts,cts,tsx}',
      '!**/*.map',
      '!**/*.tsbuildinfo',
      '!**/.tsbuildinfo',
      '!{electron,server,renderer}/dist/**/*.{test,spec}.{js,mjs,cjs}',
      // Where install scripts run, the cloudflared npm package downloads a host-arch binary here; the
      // app ships the target's own copy in resources/bin instead.
      '!node_modules/cloudflared/bin/**',
    ],
    asar: true,
    // Native addons cannot be dlopen'ed from inside an archive; the standalone demo server is run by a
    // system `node` (RunAsNode is off), which cannot read inside one either.
    asarUnpack: ['**/*.node', 'server/dist/demo-standalone/**'],
    // @napi-rs/keyring ships prebuilt N-API binaries (ABI-stable across Node and Electron): rebuilding
    // would need a compiler and headers from the network for nothing.
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,

    extraResources: [
      {
        from: env.FERRY_CLOUDFLARED_DIR || DEFAULT_CLOUDFLARED_DIR,
        to: CLOUDFLARED_RESOURCE_DIR,
        filter: ['cloudflared', 'cloudflared.exe'],
      },
    ],
    // Refuses to package a build that cannot open a tunnel (see the hook for the override).
    beforePack: fileURLToPath(new URL('./before-pack.mjs', import.meta.url)),

    // Flipped in the executable before signing, so the OS signature check keeps them from being undone.
    electronFuses: {
      // ELECTRON_RUN_AS_NODE would turn the signed binary into a general-purpose Node for any caller
      // (a classic "living off the land" trick); the demo server uses a system `node` instead.
      runAsNode: false,
      // Encrypts the cookie store with an OS-held key; the window's session is then unreadable at rest.
      enableCookieEncryption: true,
      // NODE_OPTIONS could preload arbitrary code (--require) into the main process.
      enableNodeOptionsEnvironmentVariable: false,
      // --inspect and SIGUSR1 would open a debugger port that runs code with the app's keychain access.
      enableNodeCliInspectArguments: false,
      // With the hash embedded at build time, a tampered app.asar refuses to load (macOS, Windows).
      enableEmbeddedAsarIntegrityValidation: true,
      // Never falls back to an unpacked `resources/app` folder, which integrity validation would not cover.
      onlyLoadAppFromAsar: true,
      // The window loads through the ferry:// protocol, so file:// needs no powers beyond a browser's.
      grantFileProtocolExtraPrivileges: false,
      // Flipping fuses invalidates an Apple Silicon ad-hoc signature; re-sign ad hoc so an unsigned local
      // build still starts. A real identity signs over it afterwards. Only touches .app bundles.
      resetAdHocDarwinSignature: true,
    },

    mac: {
      category: 'public.app-category.developer-tools',
      target: [{ target: 'dmg', arch: ['arm64', 'x64'] }],
      hardenedRuntime: true,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
    },
    dmg: {
      artifactName: '${productName}-${version}-mac-${arch}.${ext}',
    },

    win: {
      target: [{ target: 'nsis' }],
    },
    nsis: {
      // An assisted installer: the user sees what is installed where, may pick the folder, and gets a
      // per-user install by default (no UAC prompt); per-machine stays available for admins.
      oneClick: false,
      perMachine: false,
      selectPerMachineByDefault: false,
      allowElevation: true,
      allowToChangeInstallationDirectory: true,
      createDesktopShortcut: true,
      createStartMenuShortcut: true,
      shortcutName: 'Ferry',
      runAfterFinish: true,
      // Keep config and keychain entries on uninstall: reinstalling must not sever connected clients.
      deleteAppDataOnUninstall: false,
      artifactName: '${productName}-Setup-${version}-${arch}.${ext}',
    },

    linux: {
      target: ['AppImage', 'deb'],
      category: 'Development',
      // The package's one-line summary; its description (and the launcher's Comment) is package.json's.
      synopsis: 'Expose local MCP servers to claude.ai',
      executableName: 'ferry',
      // Names the .desktop file after desktopName, which Electron also uses as the window's app_id /
      // WM_CLASS: docks then match the running window to its launcher.
      syncDesktopName: true,
      desktop: {
        entry: {
          Name: 'Ferry',
          GenericName: 'MCP Connector',
          Keywords: 'MCP;Claude;tunnel;AI;connector;',
        },
      },
    },
    appImage: {
      artifactName: '${productName}-${version}-${arch}.${ext}',
    },

    // Ferry has no auto-update feed; packaging must never try to publish (or reach the network for it).
    publish: null,
  };
}

export default createConfig();
