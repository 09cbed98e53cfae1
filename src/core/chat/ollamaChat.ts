// Ollama's own chat API, POST /api/chat, streamed as NDJSON. Hearth uses it
// instead of Ollama's OpenAI-compatible endpoint because only the native API
// takes `options.num_ctx`: chat and completion then send the same context
// length, Ollama keeps one copy of the model loaded, and the context Hearth
// budgets against is the one Ollama really uses (it truncates silently).
import type { Logger } from '../types';
import type { SamplingParams } from './stream';
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
  return { ...body, model: r.model, messages: r.messages, stream: true, options };
}

/**
 * Ollama sends each call whole (arguments as an object), one or more per
 * line: as OpenAI stream pieces, keyed by Ollama's `function.index` when it
 * sends one (the assembler keeps object arguments as their JSON text).
 */
function ollamaToolCalls(calls: unknown): unknown {
  if (!Array.isArray(calls)) return calls;
  return calls.map((call) => {
    const fn = typeof call === 'object' && call !== null ? (call as { function?: { index?: unknown } }).function : undefined;
    const index = typeof fn?.index === 'number' ? fn.index : undefined;
    return index === undefined ? call : { index, ...(call as object) };
  });
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
        delta: { content: message.content, reasoning: message.thinking, tool_calls: ollamaToolCalls(message.tool_calls) },
        finish_reason: line.done === true ? (line.done_reason === 'length' ? 'length' : 'stop') : null,
      },
    ],
  };
  if (typeof line.model === 'string') chunk.model = line.model;
  if (line.done === true) {
    const evalCount = num(line.eval_count);
    const evalNs = num(line.eval_duration);
    chunk.usage = { prompt_tokens: num(line.prompt_eval_count), completion_tokens: evalCount };
    if (evalCount && evalNs) chunk.timings = { predicted_per_second: evalCount / (evalNs / 1e9) };
  }
  return chunk;
}
