// One non-streamed chat request that asks for structured output, in each
// server kind's own words, and the answer read back from each kind's shape:
// - llama.cpp, LM Studio, vLLM: POST /v1/chat/completions with
//   `response_format: {type: "json_schema", json_schema: {name, strict, schema}}`
//   (llama.cpp turns the schema into a grammar, vLLM into guided decoding);
// - Ollama: its own POST /api/chat with `format: <schema>` and `options`
//   (temperature, num_predict, and the num_ctx chat and completion send);
// - any other OpenAI-compatible server: `response_format: {type: "json_object"}`
//   (the schema is in the prompt; the reply is checked all the same).
import type { PromptMessage } from '../chat/types';
import type { RequestStats } from '../http';
import type { ServerKind } from '../types';
import type { JsonSchema } from './reply';

export interface StructuredCall {
  kind: ServerKind;
  model: string;
  messages: PromptMessage[];
  schema: JsonSchema;
  /** A short identifier for the schema (`commit_message`): OpenAI's `json_schema.name`. */
  name: string;
  temperature: number;
  maxTokens: number;
  /** Ollama: the context length to run the model with (the same chat and completion send). */
  numCtx?: number;
}

/** How a kind is asked for structured output (README and logs). */
export type StructuredMode = 'json_schema' | 'ollama_format' | 'json_object';

export function structuredMode(kind: ServerKind): StructuredMode {
  switch (kind) {
    case 'llamacpp':
    case 'lmstudio':
    case 'vllm':
      return 'json_schema';
    case 'ollama':
      return 'ollama_format';
    default:
      return 'json_object';
  }
}

/** The path and JSON body of the request, with `stream: false`. */
export function structuredRequest(c: StructuredCall): { path: string; body: Record<string, unknown> } {
  const mode = structuredMode(c.kind);
  if (mode === 'ollama_format') {
    const options: Record<string, unknown> = { temperature: c.temperature, num_predict: c.maxTokens };
    if (c.numCtx) options.num_ctx = c.numCtx;
    return { path: '/api/chat', body: { model: c.model, messages: c.messages, stream: false, format: c.schema, options } };
  }
  const responseFormat =
    mode === 'json_schema'
      ? { type: 'json_schema', json_schema: { name: c.name, strict: true, schema: c.schema } }
      : { type: 'json_object' };
  return {
    path: '/v1/chat/completions',
    body: {
      model: c.model,
      messages: c.messages,
      stream: false,
      temperature: c.temperature,
      max_tokens: c.maxTokens,
      response_format: responseFormat,
    },
  };
}

/** What came back, whatever the kind. */
export interface CompletionReply {
  /** The answer text (null content reads as ''). */
  content: string;
  /** Reasoning the server returned apart (`reasoning_content`, `reasoning`, Ollama `thinking`). */
  reasoning: string;
  /** 'stop', 'length' … when the server said. */
  finishReason?: string;
  /** The model the server says answered. */
  model?: string;
  usage: RequestStats & { tokensPerSecond?: number };
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Token counts of a non-streamed answer (for the request's log line), or undefined. */
export function usageOf(kind: ServerKind, data: unknown): RequestStats | undefined {
  const o = obj(data);
  if (!o) return undefined;
  if (kind === 'ollama') return { promptTokens: num(o.prompt_eval_count), completionTokens: num(o.eval_count) };
  const usage = obj(o.usage);
  return usage ? { promptTokens: num(usage.prompt_tokens), completionTokens: num(usage.completion_tokens) } : undefined;
}

/**
 * Reads a non-streamed answer: `choices[0].message` of a chat.completion, or
 * Ollama's `message` with `done_reason` and its counts. Undefined when the
 * body has neither shape.
 */
export function readCompletion(kind: ServerKind, data: unknown): CompletionReply | undefined {
  const o = obj(data);
  if (!o) return undefined;
  const usage = usageOf(kind, data) ?? {};
  if (kind === 'ollama') {
    const message = obj(o.message);
    if (!message) return undefined;
    const evalCount = num(o.eval_count);
    const evalNs = num(o.eval_duration);
    return {
      content: str(message.content) ?? '',
      reasoning: str(message.thinking) ?? '',
      finishReason: str(o.done_reason),
      model: str(o.model),
      usage: { ...usage, tokensPerSecond: evalCount && evalNs ? evalCount / (evalNs / 1e9) : undefined },
    };
  }
  const choice = Array.isArray(o.choices) ? obj(o.choices[0]) : undefined;
  const message = obj(choice?.message);
  if (!choice || !message) return undefined;
  return {
    content: str(message.content) ?? '',
    reasoning: str(message.reasoning_content) ?? str(message.reasoning) ?? '',
    finishReason: str(choice.finish_reason),
    model: str(o.model),
    usage: { ...usage, tokensPerSecond: num(obj(o.timings)?.predicted_per_second) },
  };
}
