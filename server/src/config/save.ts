import path from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { ConfigError, configIoError } from './errors.js';
import { formatIssues, isPlainObject } from './issues.js';
import { loadConfig, validateConfigDocument, type LoadedConfig } from './load.js';
import { serializeByKey } from '../util/queue.js';
import type { FerryConfig, serverOptionsSchema, serverSpecSchema, toolPolicySchema } from './schema.js';

/** The raw JSON object of a config file, unknown keys and all. */
export type ConfigDocument = Record<string, unknown>;
/** What callers may write for a server: the schema's input side (optional fields may be left out). */
export type ServerSpecInput = z.input<typeof serverSpecSchema>;
export type ServerOptionsInput = z.input<typeof serverOptionsSchema>;
export type ToolPolicy = z.infer<typeof toolPolicySchema>;
/** Keys set to `undefined` are removed from the server; `env` and `args` are replaced whole, not merged. */
export type ServerSpecPatch = { [K in keyof ServerSpecInput]?: ServerSpecInput[K] | undefined };

export type ConfigMutation = (document: ConfigDocument, current: FerryConfig) => void | Promise<void>;

/**
 * Ferry's config file as something to edit safely. Every mutation re-reads the file (so hand edits made while
 * Ferry runs are kept), edits the raw JSON (so keys Ferry does not know survive), validates the result, and
 * only then writes it atomically. A file that fails to load is never overwritten: every mutation rethrows its
 * ConfigError until the user repairs it. Serialization is per process; two processes editing at once can still
 * lose an edit.
 */
export class ConfigFile {
  readonly path: string;

  constructor(file: string) {
    this.path = path.resolve(file);
  }

  load(): Promise<LoadedConfig> {
    return loadConfig(this.path);
  }

  /**
   * The primitive every named mutation uses: `mutate` edits `document` (a copy of the raw JSON) in place and may
   * throw to abort, in which case nothing is written. Mutations of the same path queue behind one another.
   */
  update(mutate: ConfigMutation): Promise<FerryConfig> {
    return serializeByKey(this.path, async () => {
      const { document, config } = await loadConfig(this.path);
      const next = structuredClone(document);
      await mutate(next, config);
      const validated = this.#validate(next);
      // Nothing changed (e.g. enabling an enabled server): leave the file, and its formatting, alone.
      if (JSON.stringify(next) === JSON.stringify(document)) return validated;
      try {
        await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
      } catch (error) {
        throw configIoError(this.path, 'write', error);
      }
      return validated;
    });
  }

  addServer(name: string, spec: ServerSpecInput, options?: ServerOptionsInput): Promise<FerryConfig> {
    return this.update((document) => {
      const servers = ensureObject(document, 'mcpServers');
      if (Object.hasOwn(servers, name)) {
        throw new ConfigError(
          'server_exists',
          this.path,
          `${this.path}: a server named "${name}" already exists. Fix: choose another name, or edit the existing server.`,
        );
      }
      setOwn(servers, name, spec);
      if (options !== undefined)
        setOwn(ensureObject(ensureObject(document, 'ferry'), 'servers'), name, options);
    });
  }

  updateServer(name: string, patch: ServerSpecPatch): Promise<FerryConfig> {
    return this.update((document) => {
      applyServerPatch(this.#existing(document, name), patch);
    });
  }

  /**
   * Writes a server whole, checked by the caller (the admin API merges a form's edit first), with its options
   * merged the same way; `options` undefined leaves them as they are. One write: never half an edit.
   */
  replaceServer(name: string, spec: ServerSpecInput, options?: ServerOptionsInput): Promise<FerryConfig> {
    return this.update((document) => {
      this.#existing(document, name);
      setOwn(ensureObject(document, 'mcpServers'), name, spec);
      if (options !== undefined)
        setOwn(ensureObject(ensureObject(document, 'ferry'), 'servers'), name, options);
    });
  }

  /** Sets (or with `null` removes) one tool's own policy; empty option blocks are removed with it. */
  setToolPolicy(server: string, tool: string, policy: ToolPolicy | null): Promise<FerryConfig> {
    return this.update((document) => {
      const servers = ensureObject(ensureObject(document, 'ferry'), 'servers');
      const options = ensureObject(servers, server);
      const tools = ensureObject(options, 'tools');
      if (policy === null) delete tools[tool];
      else setOwn(tools, tool, policy);
      if (Object.keys(tools).length === 0) delete options.tools;
      if (Object.keys(options).length === 0) delete servers[server];
    });
  }

  /** Sets (or with `null` removes) a server's default tool policy; an empty option block is removed with it. */
  setServerToolPolicy(server: string, policy: ToolPolicy | null): Promise<FerryConfig> {
    return this.update((document) => {
      const servers = ensureObject(ensureObject(document, 'ferry'), 'servers');
      const options = ensureObject(servers, server);
      if (policy === null) delete options.defaultToolPolicy;
      else setOwn(options, 'defaultToolPolicy', policy);
      if (Object.keys(options).length === 0) delete servers[server];
    });
  }

  /** A named tunnel's public hostname, and `mode: named` so the next start brings it up (the token is a secret). */
  setNamedTunnel(hostname: string): Promise<FerryConfig> {
    return this.update((document) => {
      const tunnel = ensureObject(ensureObject(document, 'ferry'), 'tunnel');
      tunnel.hostname = hostname;
      tunnel.mode = 'named';
    });
  }

  /** Also drops the server's `ferry.servers` options. Secrets it referenced stay in the store (see secretRefs). */
  removeServer(name: string): Promise<FerryConfig> {
    return this.update((document) => {
      this.#existing(document, name);
      delete (document.mcpServers as ConfigDocument)[name];
      const options = optionsMap(document);
      if (options && Object.hasOwn(options, name)) delete options[name];
    });
  }

  /** `false` removes the key rather than writing `disabled: false`, keeping `mcpServers` as Claude Desktop writes it. */
  setDisabled(name: string, disabled: boolean): Promise<FerryConfig> {
    return this.update((document) => {
      const server = this.#existing(document, name);
      if (disabled) server.disabled = true;
      else delete server.disabled;
    });
  }

  /** Replaces the server's options; `undefined` (or `{}`) removes them so the defaults apply. */
  setServerOptions(name: string, options: ServerOptionsInput | undefined): Promise<FerryConfig> {
    return this.update((document) => {
      this.#existing(document, name);
      if (options === undefined || Object.keys(options).length === 0) {
        const map = optionsMap(document);
        if (map && Object.hasOwn(map, name)) delete map[name];
        return;
      }
      setOwn(ensureObject(ensureObject(document, 'ferry'), 'servers'), name, options);
    });
  }

  #existing(document: ConfigDocument, name: string): ConfigDocument {
    const servers = document.mcpServers;
    const server = isPlainObject(servers) && Object.hasOwn(servers, name) ? servers[name] : undefined;
    if (!isPlainObject(server)) {
      throw new ConfigError(
        'server_not_found',
        this.path,
        `${this.path}: there is no server named "${name}". Fix: check the name, or add the server first.`,
      );
    }
    return server;
  }

  #validate(document: ConfigDocument): FerryConfig {
    try {
      return validateConfigDocument(document, this.path);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The file on disk is fine; it is the change that is invalid, and the message must not suggest otherwise.
      throw new ConfigError(
        'config_invalid',
        this.path,
        `Change not saved: it would make the config invalid.\n${formatIssues(this.path, error.issues)}`,
        { issues: error.issues, cause: error },
      );
    }
  }
}

/** A server spec with `patch` applied in place: `undefined` removes a key, anything else replaces it. */
export function applyServerPatch(server: ConfigDocument, patch: ServerSpecPatch): ConfigDocument {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete server[key];
    else setOwn(server, key, value);
  }
  return server;
}

/**
 * `document[key]` as an object of its own, created if absent. The loaded document was validated, so it is
 * never a non-object; an inherited key (`__proto__`) is not the document's and is never edited through.
 */
function ensureObject(document: ConfigDocument, key: string): ConfigDocument {
  const existing = Object.hasOwn(document, key) ? document[key] : undefined;
  if (isPlainObject(existing)) return existing;
  const created: ConfigDocument = {};
  setOwn(document, key, created);
  return created;
}

function optionsMap(document: ConfigDocument): ConfigDocument | undefined {
  const ferry = document.ferry;
  const servers = isPlainObject(ferry) ? ferry.servers : undefined;
  return isPlainObject(servers) ? servers : undefined;
}

/** Plain assignment of a key named `__proto__` would replace the prototype instead of adding a property. */
function setOwn(target: ConfigDocument, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
