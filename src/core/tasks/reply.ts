// Reading a structured answer: the JSON text out of what the model wrote (a
// Markdown fence or a <think> block around it removed), parsed and checked
// against the task's JSON schema with @cfworker/json-schema. A failure is one
// sentence the retry prompt can quote back to the model.
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import { stripThink } from '../chat/think';

export type JsonSchema = Schema;

export type ReplyCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

const FENCE = /^(`{3,}|~{3,})[^\n`]*\n([\s\S]*?)\n?\1\s*$/;
const INNER_FENCE = /(`{3,}|~{3,})[^\n`]*\n([\s\S]*?)\n\1/;

/** Drops a leading <think> block (or text before an orphan </think>), leaving a JSON string that mentions the tags alone. */
function withoutReasoning(content: string): string {
  const t = content.trimStart();
  const close = t.indexOf('</think>');
  const brace = t.search(/[{[]/);
  return t.startsWith('<think>') || (close >= 0 && (brace < 0 || close < brace)) ? stripThink(t) : t;
}

/**
 * The JSON text of an answer: without reasoning, without a Markdown fence
 * around it (```json … ```), and, when prose surrounds a single fenced
 * block, that block. Anything else is returned trimmed, as it is.
 */
export function jsonText(content: string): string {
  const text = withoutReasoning(content).trim();
  const whole = FENCE.exec(text);
  if (whole) return whole[2].trim();
  if (text.startsWith('{') || text.startsWith('[')) return text;
  const inner = INNER_FENCE.exec(text);
  return inner ? inner[2].trim() : text;
}

const MAX_PROBLEMS = 4;
const validators = new WeakMap<JsonSchema, Validator>();

function validatorFor(schema: JsonSchema): Validator {
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema, '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

/** "/subject" for "#/subject"; "the answer" for the root. */
function where(location: string): string {
  const path = location.replace(/^#/, '');
  return path ? `"${path}"` : 'the answer';
}

/** One validator error in words the model (and the user) can act on; undefined for the summary errors of containers. */
function describe(unit: OutputUnit): string | undefined {
  switch (unit.keyword) {
    case 'properties':
    case 'items':
    case 'prefixItems':
    case 'additionalItems':
    case 'false':
      return undefined; // the inner error says what is wrong
    case 'required': {
      const name = /"([^"]+)"/.exec(unit.error)?.[1];
      return `${where(unit.instanceLocation)} lacks the required property "${name ?? '?'}"`;
    }
    case 'additionalProperties': {
      const name = /"([^"]+)"/.exec(unit.error)?.[1];
      return `${where(unit.instanceLocation)} has the property "${name ?? '?'}", which is not allowed`;
    }
    default:
      return `${where(unit.instanceLocation)}: ${unit.error.replace(/^Instance /, 'value ').replace(/\.$/, '')}`;
  }
}

/** Required strings that must not be empty (minLength ≥ 1) but hold only whitespace. */
function blankStrings(schema: JsonSchema, value: unknown, at = ''): string[] {
  if (typeof value === 'string') return (schema.minLength ?? 0) >= 1 && !value.trim() ? [`${where(`#${at}`)} is blank`] : [];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !schema.properties) return [];
  const found: string[] = [];
  for (const [key, sub] of Object.entries(schema.properties)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof sub === 'object' && v !== undefined) found.push(...blankStrings(sub, v, `${at}/${key}`));
  }
  return found;
}

/** The problems of `value` against `schema`, in words; empty when it is valid. */
export function schemaProblems(schema: JsonSchema, value: unknown): string[] {
  const result = validatorFor(schema).validate(value);
  const problems = result.valid ? [] : result.errors.map(describe).filter((p): p is string => !!p);
  problems.push(...blankStrings(schema, value));
  return [...new Set(problems)];
}

/**
 * Parses and checks one answer. Not ok when it is empty, not JSON, or not
 * what the schema asks for (missing or extra fields, wrong types, blank
 * required text); `problem` then says which, in one sentence.
 */
export function checkReply<T>(content: string, schema: JsonSchema, finishReason?: string): ReplyCheck<T> {
  const cut = finishReason === 'length' ? ' The answer was cut off at the token limit: keep it shorter.' : '';
  const text = jsonText(content);
  if (!text) return { ok: false, problem: `The answer was empty.${cut}` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `The answer is not valid JSON (${(err as Error).message}).${cut}` };
  }
  const problems = schemaProblems(schema, value);
  if (problems.length === 0) return { ok: true, value: value as T };
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : '';
  return { ok: false, problem: `The answer does not match the schema: ${shown}${more}.${cut}` };
}
