// Checking a value against a JSON schema (draft 2020-12) with
// @cfworker/json-schema, and saying what is wrong in words a model (and a
// user) can act on. Used for the editor commands' structured answers and for
// the arguments of chat tool calls. Pure TypeScript.
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';

export type JsonSchema = Schema;

const validators = new WeakMap<JsonSchema, Validator>();

function validatorFor(schema: JsonSchema): Validator {
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema, '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

/** "/subject" for "#/subject"; `root` for the root. */
function where(location: string, root: string): string {
  const path = location.replace(/^#/, '');
  return path ? `"${path}"` : root;
}

/** One validator error in words; undefined for the summary errors of containers. */
function describe(unit: OutputUnit, root: string): string | undefined {
  switch (unit.keyword) {
    case 'properties':
    case 'items':
    case 'prefixItems':
    case 'additionalItems':
    case 'false':
      return undefined; // the inner error says what is wrong
    case 'required': {
      const name = /"([^"]+)"/.exec(unit.error)?.[1];
      return `${where(unit.instanceLocation, root)} lacks the required property "${name ?? '?'}"`;
    }
    case 'additionalProperties': {
      const name = /"([^"]+)"/.exec(unit.error)?.[1];
      return `${where(unit.instanceLocation, root)} has the property "${name ?? '?'}", which is not allowed`;
    }
    default:
      return `${where(unit.instanceLocation, root)}: ${unit.error.replace(/^Instance /, 'value ').replace(/\.$/, '')}`;
  }
}

/** Required strings that must not be empty (minLength ≥ 1) but hold only whitespace. */
function blankStrings(schema: JsonSchema, value: unknown, root: string, at = ''): string[] {
  if (typeof value === 'string') return (schema.minLength ?? 0) >= 1 && !value.trim() ? [`${where(`#${at}`, root)} is blank`] : [];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !schema.properties) return [];
  const found: string[] = [];
  for (const [key, sub] of Object.entries(schema.properties)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof sub === 'object' && v !== undefined) found.push(...blankStrings(sub, v, root, `${at}/${key}`));
  }
  return found;
}

/**
 * The problems of `value` against `schema`, in words; empty when it is valid.
 * `root` names the whole value in the sentences ("the answer", "the arguments").
 */
export function schemaProblems(schema: JsonSchema, value: unknown, root = 'the answer'): string[] {
  const result = validatorFor(schema).validate(value);
  const problems = result.valid ? [] : result.errors.map((u) => describe(u, root)).filter((p): p is string => !!p);
  problems.push(...blankStrings(schema, value, root));
  return [...new Set(problems)];
}

const MAX_PROBLEMS = 4;

/** Up to four problems joined with "; ", and how many more there were. */
export function listProblems(problems: string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  return problems.length > MAX_PROBLEMS ? `${shown} (and ${problems.length - MAX_PROBLEMS} more)` : shown;
}
