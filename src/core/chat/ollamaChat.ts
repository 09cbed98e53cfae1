// Ollama's own chat API, POST /api/chat, streamed as NDJSON. Hearth uses it
// instead of Ollama's OpenAI-compatible endpoint because only the native API
// takes `options.num_ctx`: chat and completion then send the same context
// length, Ollama keeps one copy of the model loaded, and the context Hearth
// budgets against is the one Ollama really uses (it truncates silently).
import type { Logger } from '../types';
import type { SamplingParams } from './stream';
import { openAiTools, type ToolSpec } from './toolCalls';
import type { WireMessage } from './types';

/** Fields of /api/chat's body itself; any other extra field is a model option (top_k, min_p, repeat_penalty …). */
const TOP_LEVEL = new Set(['format', 'keep_alive', 'think', 'tools']);
const RESERVED = new Set(['model', 'messages', 'stream', 'options']);

export interface OllamaChatRequest {
  model: string;
  messages: readonly WireMessage[];
  params?: SamplingParams;
  extraBody?: Record<string, unknown>;
  /** The context length to run the model with; the same value completion sends. */
  numCtx?: number;
  /** Tools offered to the model. */
  tools?: readonly ToolSpec[];
}

/** Ollama wants a call's arguments as an object; text that is not an object is sent as it was written, under "raw". */
function ollamaArguments(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== 'string') return { raw: value };
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // below
  }
  return { raw: value };
}

type Call = { id?: string; function: { name: string; arguments: unknown } };
const callsOf = (m: WireMessage): Call[] | undefined => {
  const calls = m.role === 'assistant' ? (m as { tool_calls?: unknown }).tool_calls : undefined;
  return Array.isArray(calls) && calls.length ? (calls as Call[]) : undefined;
};

/**
 * The messages in /api/chat's shape: tool calls with object arguments, tool
 * results with the tool's name. Messages already in that shape (the VS Code
 * chat provider writes them so) pass through.
 */
function ollamaMessages(messages: readonly WireMessage[]): unknown[] {
  const names = new Map<string, string>();
  return messages.map((m) => {
    const calls = callsOf(m);
    if (calls) {
      for (const c of calls) if (c.id) names.set(c.id, c.function.name);
      return {
        ...m,
        tool_calls: calls.map((c) => ({ function: { name: c.function.name, arguments: ollamaArguments(c.function.arguments) } })),
      };
    }
    const result = m as { role: string; content?: unknown; tool_call_id?: unknown; name?: string };
    if (m.role === 'tool' && typeof result.tool_call_id === 'string')
      return { role: 'tool', content: result.content, tool_name: names.get(result.tool_call_id) ?? result.name };
    return m;
  });
}

/** The /api/chat body: options from the sampling params and extra fields, `num_ctx` when known. */
export function ollamaChatBody(r: OllamaChatRequest, log: Logger): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  if (r.params?.temperature !== undefined) options.temperature = r.params.temperature;
  if (r.params?.top_p !== undefined) options.top_p = r.params.top_p;
  if (r.params?.max_tokens !== undefined) options.num_predict = r.params.max_tokens;
  for (const [key, value] of Object.entries(r.extraBody ?? {})) {
    if (RESERVED.has(key) || key === 'num_ctx') log.warn(`chat: ignoring extra body field "${key}"`);
    else if (TOP_LEVEL.has(key)) body[key] = value;
    else options[key] = value;
  }
  if (r.numCtx) options.num_ctx = r.numCtx;
  if (r.tools?.length) body.tools = openAiTools(r.tools);
  const hasTools = r.messages.some((m) => m.role === 'tool' || callsOf(m));
  return { ...body, model: r.model, messages: hasTools ? ollamaMessages(r.messages) : r.messages, stream: true, options };
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * One /api/chat line as the OpenAI-style chunk the reply assembler reads:
 * `message.content` / `message.thinking` as a delta, the last line's
 * `done_reason`, token counts and generation speed; `error` as it is.
 */
export function ollamaChunk(line: Record<string, unknown>): Record<string, unknown> {
  if (line.error !== undefined) return { error: line.error };
  const message = (typeof line.message === 'object' && line.message !== null ? line.message : {}) as Record<string, unknown>;
  const chunk: Record<string, unknown> = {
    choices: [
      {
        delta: { content: message.content, reasoning: message.thinking },
        finish_reason: line.done === true ? (line.done_reason === 'length' ? 'length' : 'stop') : null,
      },
    ],
  };
  // Ollama sends whole calls (arguments as objects), usually all in one line.
  if (message.tool_calls !== undefined) (chunk.choices as Record<string, unknown>[])[0].message = { tool_calls: message.tool_calls };
  if (typeof line.model === 'string') chunk.model = line.model;
  if (line.done === true) {
    const evalCount = num(line.eval_count);
    const evalNs = num(line.eval_duration);
    chunk.usage = { prompt_tokens: num(line.prompt_eval_count), completion_tokens: evalCount };
    if (evalCount && evalNs) chunk.timings = { predicted_per_second: evalCount / (evalNs / 1e9) };
  }
  return chunk;
}
