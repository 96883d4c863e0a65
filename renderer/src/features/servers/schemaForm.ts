/**
 * The test-call form's fields from a tool's JSON Schema (the top-level `properties`): strings, numbers,
 * booleans and enums get their own control; anything else (objects, arrays, unions) is typed as JSON.
 */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export interface SchemaField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | undefined;
  options: string[];
}

export function schemaFields(schema: unknown): SchemaField[] {
  const s = (schema ?? {}) as { properties?: Record<string, unknown>; required?: unknown };
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  return Object.entries(s.properties ?? {}).map(([name, raw]) => {
    const prop = (raw ?? {}) as { type?: unknown; enum?: unknown; description?: unknown };
    const options = Array.isArray(prop.enum) ? prop.enum.map(String) : [];
    const type = typeof prop.type === 'string' ? prop.type : undefined;
    const kind: FieldKind =
      options.length > 0
        ? 'enum'
        : type === 'string' || type === 'number' || type === 'integer' || type === 'boolean'
          ? type
          : 'json';
    return {
      name,
      kind,
      required: required.has(name),
      description: typeof prop.description === 'string' ? prop.description : undefined,
      options,
    };
  });
}

/**
 * The arguments object from the form's raw values; empty optional fields are left out. Throws an Error
 * naming the field when a number or JSON field does not parse.
 */
export function argumentsFrom(
  fields: SchemaField[],
  values: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.name] ?? '';
    if (field.kind === 'boolean') {
      if (raw !== '') out[field.name] = raw === 'true';
      continue;
    }
    if (raw.trim() === '') {
      if (field.required) throw new Error(`${field.name} is required`);
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const n = Number(raw);
      if (!Number.isFinite(n) || (field.kind === 'integer' && !Number.isInteger(n)))
        throw new Error(`${field.name} must be ${field.kind === 'integer' ? 'a whole number' : 'a number'}`);
      out[field.name] = n;
    } else if (field.kind === 'json') {
      try {
        out[field.name] = JSON.parse(raw) as unknown;
      } catch {
        throw new Error(`${field.name} must be JSON, for example {"key": "value"} or [1, 2]`);
      }
    } else {
      out[field.name] = raw;
    }
  }
  return out;
}

/** JSON pretty-printed when it parses (a payload cut at its bound does not), else as it came. */
export function pretty(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
