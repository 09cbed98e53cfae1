// Reading a structured answer: the JSON text out of what the model wrote (a
// Markdown fence or a <think> block around it removed), parsed and checked
// against the task's JSON schema (../jsonSchema.ts). A failure is one
// sentence the retry prompt can quote back to the model.
import { listProblems, schemaProblems, type JsonSchema } from '../jsonSchema';
import { stripThink } from '../chat/think';

export { schemaProblems, type JsonSchema };

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
  return { ok: false, problem: `The answer does not match the schema: ${listProblems(problems)}.${cut}` };
}
