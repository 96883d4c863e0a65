import type { ConfigIssue } from './errors.js';
import { isPlainObject, renameFix, serverNameMessage, toConfigIssues } from './issues.js';
import { SERVER_NAME_PATTERN, serverOptionsSchema, serverSpecSchema } from './schema.js';

/**
 * Field-level problems of one server as the admin form submits it; empty means valid. Paths are relative to the
 * form: `name`, `command`, `args[1]`, `env.TOKEN`, `options.sessionMode`. Whether the name is taken is not
 * checked here (the file may change before saving); `addServer` refuses that with `server_exists`.
 */
export function validateServerInput(name: unknown, spec: unknown, options?: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (typeof name !== 'string' || !SERVER_NAME_PATTERN.test(name)) {
    const shown = typeof name === 'string' ? name : '';
    issues.push({ path: 'name', message: serverNameMessage(shown), fix: renameFix(shown) });
  }
  if (isPlainObject(spec) && spec.url !== undefined && spec.command === undefined) {
    issues.push({
      path: 'url',
      message: 'this is a remote server; Ferry only bridges local servers it starts with a command',
      fix: 'add it to claude.ai directly as a custom connector, or give the command that starts a local server',
    });
  } else {
    const result = serverSpecSchema.safeParse(spec);
    if (!result.success) issues.push(...toConfigIssues(result.error.issues, spec, serverSpecSchema));
  }
  if (options !== undefined) {
    const result = serverOptionsSchema.safeParse(options);
    if (!result.success) {
      issues.push(...toConfigIssues(result.error.issues, options, serverOptionsSchema, ['options']));
    }
  }
  return issues;
}
