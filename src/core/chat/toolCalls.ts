// Native tool calls (OpenAI `tools` / `tool_calls`), read strictly. A stream
// sends each call in pieces keyed by `index` (id and name first, then the
// arguments' JSON text a token at a time); a one-piece reply sends them
// whole. Either way the calls of a turn are then checked together: the tool
// must exist, the arguments must be a JSON object (strict JSON.parse, never
// "{}" in place of text that does not parse) and match the tool's schema.
// One bad call means no call of the turn runs: each gets a result saying why,
// so the model can send the turn again, corrected. Pure TypeScript.
import { parseServerJson } from '../json';
import { schemaProblems, listProblems, type JsonSchema } from '../jsonSchema';
import { LIMITS, quoteStart } from '../limits';

/** A tool as offered to the model. */
export interface ToolSpec {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as the OpenAI API wants. */
  name: string;
  description: string;
  /** The JSON schema (draft 2020-12) of the arguments object. */
  parameters: JsonSchema;
}

/** One call as the model sent it; `arguments` is the raw text. */
export interface RawToolCall {
  /** The call's `index` in the turn (its position in a one-piece reply). */
  index: number;
  /** The server's id, or `<idPrefix><index>` when it sent none. */
  id: string;
  name: string;
  arguments: string;
}

/** A call that may run: its arguments parsed and valid. */
export interface CheckedToolCall extends RawToolCall {
  args: Record<string, unknown>;
}

/** A turn's calls after the check: all runnable, or none. */
export type ToolTurn =
  | { ok: true; calls: CheckedToolCall[] }
  | {
      ok: false;
      calls: RawToolCall[];
      /** Per call (same order): why it was refused; undefined for a good call that is not run because another was refused. */
      problems: (string | undefined)[];
      /** One sentence for the user: which call was refused and why, with its raw arguments. */
      summary: string;
    };

export interface AssemblerOptions {
  /** Ids for calls the server sent without one (default "call_"). */
  idPrefix?: string;
  /** Bound on all calls' name and argument text together (default LIMITS.chatReplyChars). */
  maxChars?: number;
}

export interface CheckOptions {
  /** The reply's finish reason: 'length' adds that the reply was cut off. */
  finishReason?: string;
  /** At most this many calls in one turn (default 16). */
  maxCalls?: number;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A piece of text a server sent: strings as they are; any other value (an object, a number) serialized, so nothing is dropped; null and absent are no piece. */
function fragment(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

interface Building extends RawToolCall {
  /** The server sent an id (rather than the made-up one). */
  hasId: boolean;
}

/** Text a model sent, quoted exactly (JSON string escapes), cut at `max` characters. */
export function quoteRaw(text: string, max = 2000): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)` : JSON.stringify(text);
}

/**
 * Assembles the calls of one reply. Feed it every `delta.tool_calls` of a
 * stream with `push`, or a one-piece reply's `message.tool_calls` with
 * `pushMessage`; read `calls` at the end. `error` is set (and later pieces
 * ignored) when the pieces are not an array of objects or pass `maxChars`.
 */
export class ToolCallAssembler {
  error?: string;
  private readonly byIndex = new Map<number, Building>();
  private last?: Building;
  private size = 0;
  private readonly idPrefix: string;
  private readonly maxChars: number;

  constructor(options: AssemblerOptions = {}) {
    this.idPrefix = options.idPrefix ?? 'call_';
    this.maxChars = options.maxChars ?? LIMITS.chatReplyChars;
  }

  /** True once any piece of a call arrived. */
  get started(): boolean {
    return this.byIndex.size > 0;
  }

  /** One stream chunk's `delta.tool_calls`: pieces keyed by `index`. */
  push(toolCalls: unknown): void {
    if (this.error || toolCalls === undefined || toolCalls === null) return;
    if (!Array.isArray(toolCalls)) return this.fail(`"tool_calls" is not an array: ${quoteStart(toolCalls)}`);
    for (const piece of toolCalls) {
      if (!isObject(piece)) return this.fail(`a tool call piece is not an object: ${quoteStart(piece)}`);
      this.add(piece, this.indexOf(piece));
      if (this.error) return;
    }
  }

  /** A one-piece reply's `message.tool_calls`: whole calls, in order (an `index`, when present, is ignored). */
  pushMessage(toolCalls: unknown): void {
    if (this.error || toolCalls === undefined || toolCalls === null) return;
    if (!Array.isArray(toolCalls)) return this.fail(`"tool_calls" is not an array: ${quoteStart(toolCalls)}`);
    const base = this.byIndex.size;
    toolCalls.forEach((call, i) => {
      if (this.error) return;
      if (!isObject(call)) return this.fail(`a tool call is not an object: ${quoteStart(call)}`);
      this.add(call, base + i);
    });
  }

  /** The calls so far, by index. */
  get calls(): RawToolCall[] {
    return [...this.byIndex.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ index, id, name, arguments: args }) => ({ index, id, name, arguments: args }));
  }

  /**
   * The piece's call. Servers send `index`; one without it continues the
   * last call unless it carries a new id (or a name while the last call
   * already has one), which starts the next.
   */
  private indexOf(piece: Json): number {
    if (typeof piece.index === 'number' && Number.isInteger(piece.index) && piece.index >= 0) return piece.index;
    const last = this.last;
    if (!last) return 0;
    const fn = isObject(piece.function) ? piece.function : {};
    const id = typeof piece.id === 'string' ? piece.id : '';
    const name = fragment(fn.name);
    const startsNew = (id && last.hasId && id !== last.id) || (name && last.name && name !== last.name);
    return startsNew ? Math.max(...this.byIndex.keys()) + 1 : last.index;
  }

  private add(piece: Json, index: number): void {
    let call = this.byIndex.get(index);
    if (!call) {
      call = { index, id: `${this.idPrefix}${index}`, name: '', arguments: '', hasId: false };
      this.byIndex.set(index, call);
    }
    this.last = call;
    if (typeof piece.id === 'string' && piece.id && !call.hasId) {
      call.id = piece.id;
      call.hasId = true;
    }
    const fn = isObject(piece.function) ? piece.function : {};
    const name = fragment(fn.name);
    // Names come whole in the first piece; a server that repeats the name in every piece is not doubled.
    if (name && name !== call.name) call.name += name;
    const args = fragment(fn.arguments);
    call.arguments += args;
    this.size += name.length + args.length;
    if (this.size > this.maxChars) this.fail(`the tool calls passed ${Math.round(this.maxChars / 1024)} KB`);
  }

  private fail(problem: string): void {
    this.error ??= problem;
  }
}

/** The calls of a one-piece reply's `message.tool_calls`. */
export function callsFromMessage(toolCalls: unknown, options?: AssemblerOptions): { calls: RawToolCall[]; error?: string } {
  const assembler = new ToolCallAssembler(options);
  assembler.pushMessage(toolCalls);
  return { calls: assembler.calls, error: assembler.error };
}

/** Why one call cannot run; undefined when it can (then `args` is set). */
function checkOne(call: RawToolCall, tools: ReadonlyMap<string, ToolSpec>, cut: string): { problem?: string; args?: Json } {
  if (!call.name) return { problem: 'the call has no tool name' };
  const tool = tools.get(call.name);
  if (!tool) {
    const names = [...tools.keys()].join(', ') || 'none';
    return { problem: `there is no tool named "${call.name}" (the tools are: ${names})` };
  }
  if (!call.arguments.trim()) return { problem: `the arguments are empty; send a JSON object ({} when the tool takes none)${cut}` };
  let value: unknown;
  try {
    value = parseServerJson(call.arguments);
  } catch (err) {
    return { problem: `the arguments are not valid JSON (${(err as Error).message})${cut}` };
  }
  if (!isObject(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { problem: `the arguments must be a JSON object, not ${kind}` };
  }
  const problems = schemaProblems(tool.parameters, value, 'the arguments object');
  if (problems.length) return { problem: `the arguments do not match the schema of ${tool.name}: ${listProblems(problems)}` };
  return { args: value };
}

/**
 * Checks a turn's calls against the tools offered. All must be valid for any
 * to run: unknown tool, empty or malformed JSON, a non-object or arguments
 * the schema refuses each refuse the whole turn (as do more than `maxCalls`).
 */
export function checkToolCalls(calls: readonly RawToolCall[], tools: readonly ToolSpec[], options: CheckOptions = {}): ToolTurn {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const cut = options.finishReason === 'length' ? '; the reply was cut off at the token limit' : '';
  const maxCalls = options.maxCalls ?? 16;
  const raw = calls.map((c) => ({ ...c }));
  if (raw.length > maxCalls) {
    const problem = `the turn has ${raw.length} tool calls; at most ${maxCalls} are allowed at once`;
    return {
      ok: false,
      calls: raw,
      problems: raw.map(() => problem),
      summary: `The model sent ${raw.length} tool calls at once; at most ${maxCalls} are allowed.`,
    };
  }
  const checked = raw.map((c) => checkOne(c, byName, cut));
  if (checked.every((c) => c.args)) return { ok: true, calls: raw.map((c, i) => ({ ...c, args: checked[i].args as Json })) };
  const problems = checked.map((c) => c.problem);
  const first = problems.findIndex((p) => p);
  const bad = raw[first];
  const which = raw.length > 1 ? ` (call ${first + 1} of ${raw.length})` : '';
  const summary = `The model's call of ${bad.name ? `"${bad.name}"` : 'a tool'}${which} was refused: ${problems[first]}. It sent: ${quoteRaw(bad.arguments, 400)}`;
  return { ok: false, calls: raw, problems, summary };
}

/**
 * The result each call of a refused turn gets, for the model: the problem
 * and the raw arguments it sent, or, for a good call, that it did not run
 * because another was refused.
 */
export function refusalResults(turn: Extract<ToolTurn, { ok: false }>): { id: string; content: string }[] {
  return turn.calls.map((call, i) => {
    const problem = turn.problems[i];
    const content = problem
      ? `Error: this call was not run: ${problem}. The arguments received were: ${quoteRaw(call.arguments)}. ` +
        'Send the calls of this turn again, corrected.'
      : 'Not run: another call in the same turn was refused (see its result). Send it again with the corrected call.';
    return { id: call.id, content };
  });
}

/** The `tools` field of a request. */
export function openAiTools(tools: readonly ToolSpec[]): { type: 'function'; function: ToolSpec }[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/** The `tool_calls` of the assistant message sent back: ids, names and arguments exactly as received, so the prompt stays byte-identical. */
export function assistantToolCalls(
  calls: readonly RawToolCall[],
): { id: string; type: 'function'; function: { name: string; arguments: string } }[] {
  return calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
}
