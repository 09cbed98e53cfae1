// Streams one chat reply from POST /v1/chat/completions. The request goes
// through the openai package (auth, headers, base URL, HTTP errors), but the
// server-sent events are parsed here with eventsource-parser so that one bad
// chunk is logged and skipped instead of ending the reply, and so that the
// shapes servers really send are understood: llama.cpp's `timings` and its
// `error:` events, `reasoning_content` / `reasoning`, usage-only chunks.
import type OpenAI from 'openai';
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { classify, describeServer, errorFromResponse, HearthError, type ErrorCode, type ErrorContext } from '../errors';
import { nullLogger, type Logger } from '../types';
import { ThinkSplitter } from './think';
import type { ChatStats, PromptMessage } from './types';

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
}

export interface StreamDelta {
  content?: string;
  reasoning?: string;
}

export interface StreamChatOptions {
  /** A client whose baseURL ends in `/v1` (ServerClient.openai()). */
  openai: OpenAI;
  model: string;
  messages: PromptMessage[];
  params?: SamplingParams;
  /** Extra body fields (top_k, min_p, repeat_penalty, chat_template_kwargs …); cannot replace model, messages or stream. */
  extraBody?: Record<string, unknown>;
  /** Ask for `stream_options.include_usage` (some proxies reject it). */
  streamUsage?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  onDelta: (delta: StreamDelta) => void;
  /** For error messages: which server and model. */
  errorContext?: ErrorContext;
  /** Give up when no bytes arrive for this long once the answer started (default: never). */
  idleTimeoutMs?: number;
  now?: () => number;
  /** Filled with the token counts as they arrive (the request's log line shows them). */
  requestStats?: { promptTokens?: number; completionTokens?: number };
}

export interface StreamResult {
  /** The answer, without reasoning. */
  content: string;
  reasoning: string;
  stats: ChatStats;
  /** 'stop', 'length' … as the server said; undefined when it did not. */
  finishReason?: string;
  /** Set when the stream failed after it started; the partial text above is kept. */
  error?: HearthError;
}

const RESERVED = new Set(['model', 'messages', 'stream', 'stream_options']);

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
function chatError(code: ErrorCode, message: string, ctx: ErrorContext): HearthError {
  return new HearthError(code, message, { model: ctx.model, serverName: ctx.server?.name, url: ctx.server?.url });
}

const numberOf = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/**
 * Streams a reply, calling `onDelta` with each new piece of answer or
 * reasoning. Throws a HearthError when the request fails before the stream
 * starts (nothing was received, so retrying is safe). Once streaming, it
 * always resolves: a stop via `signal` gives `stats.stopped`, a failure gives
 * `error` with the partial text kept.
 */
export async function streamChat(options: StreamChatOptions): Promise<StreamResult> {
  const { openai, model, messages, signal, onDelta } = options;
  const log = options.log ?? nullLogger;
  const now = options.now ?? Date.now;
  const ctx: ErrorContext = { model, path: '/v1/chat/completions', ...options.errorContext };
  const body: Json = {};
  for (const [key, value] of Object.entries(options.params ?? {})) if (value !== undefined) body[key] = value;
  for (const [key, value] of Object.entries(options.extraBody ?? {})) {
    if (RESERVED.has(key)) log.warn(`chat: ignoring extra body field "${key}"`);
    else body[key] = value;
  }
  Object.assign(body, { model, messages, stream: true });
  if (options.streamUsage) body.stream_options = { include_usage: true };

  const splitter = new ThinkSplitter();
  const state = {
    model,
    promptTokens: undefined as number | undefined,
    completionTokens: undefined as number | undefined,
    serverRate: undefined as number | undefined,
    chunks: 0,
    firstAt: 0,
    lastAt: 0,
    finishReason: undefined as string | undefined,
    done: false,
    error: undefined as HearthError | undefined,
  };
  const started = now();
  const result = (stopped: boolean): StreamResult => {
    const split = splitter.result();
    const completion = state.completionTokens ?? (state.chunks || undefined);
    const seconds = (state.lastAt - state.firstAt) / 1000;
    const measured = completion && completion > 1 && seconds > 0 ? (completion - 1) / seconds : undefined;
    const rate = state.serverRate ?? measured;
    const stats: ChatStats = {
      model: state.model,
      promptTokens: state.promptTokens,
      completionTokens: completion,
      tokensPerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
      stopped,
    };
    log.info(
      `chat: ${stopped ? 'stopped' : state.error ? `failed (${state.error.code})` : 'done'} after ${now() - started} ms, ` +
        `${stats.promptTokens ?? '?'} prompt + ${stats.completionTokens ?? '?'} completion tokens, ${stats.tokensPerSecond ?? '?'} tokens/s, finish ${state.finishReason ?? 'none'}`,
    );
    return { ...split, stats, finishReason: state.finishReason, error: state.error };
  };
  const deliver = (delta: StreamDelta) => {
    if (!delta.content && !delta.reasoning) return;
    const out: StreamDelta = {};
    if (delta.content) out.content = delta.content;
    if (delta.reasoning) out.reasoning = delta.reasoning;
    onDelta(out);
  };

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (signal?.aborted) return result(true);
  signal?.addEventListener('abort', onAbort, { once: true });

  log.debug(`chat: POST /v1/chat/completions model=${model} messages=${messages.length} usage=${!!options.streamUsage}`);
  let response: Response;
  try {
    response = await openai.chat.completions
      .create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal: controller.signal, maxRetries: 0 })
      .asResponse();
  } catch (err) {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) return result(true);
    const error = classify(err, ctx);
    log.warn(`chat: request failed: ${error.toLogString()}`);
    throw error;
  }

  const fail = (status: number, errorJson: unknown) => {
    state.error ??= errorFromResponse(status, JSON.stringify({ error: errorJson }), ctx);
    log.warn(`chat: error inside the stream: ${state.error.toLogString()}`);
  };
  const errorStatus = (e: unknown) => {
    const code = isObject(e) ? numberOf(e.code) : undefined;
    return code && code >= 400 && code < 600 ? code : 500;
  };
  const onChunk = (chunk: Json) => {
    if (chunk.error !== undefined) return fail(errorStatus(chunk.error), chunk.error);
    if (typeof chunk.model === 'string' && chunk.model) state.model = chunk.model;
    const usage = chunk.usage;
    if (isObject(usage)) {
      state.promptTokens = numberOf(usage.prompt_tokens) ?? state.promptTokens;
      state.completionTokens = numberOf(usage.completion_tokens) ?? state.completionTokens;
    }
    const timings = chunk.timings;
    if (isObject(timings)) {
      const promptN = numberOf(timings.prompt_n);
      // prompt_n counts only what was evaluated; cache_n what the prompt cache already held.
      if (promptN !== undefined) state.promptTokens ??= promptN + (numberOf(timings.cache_n) ?? 0);
      state.completionTokens ??= numberOf(timings.predicted_n);
      state.serverRate = numberOf(timings.predicted_per_second) ?? state.serverRate;
    }
    if (options.requestStats) {
      options.requestStats.promptTokens = state.promptTokens;
      options.requestStats.completionTokens = state.completionTokens;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isObject(choice)) return;
    const delta = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
    const content = delta.content;
    if ((typeof content === 'string' && content) || (typeof reasoning === 'string' && reasoning)) {
      state.chunks++;
      state.lastAt = now();
      if (!state.firstAt) state.firstAt = state.lastAt;
    }
    if (typeof reasoning === 'string' && reasoning) deliver(splitter.pushReasoning(reasoning));
    if (typeof content === 'string' && content) deliver(splitter.push(content));
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) state.finishReason = choice.finish_reason;
  };
  const onData = (data: string) => {
    if (data.trim() === '[DONE]') {
      state.done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      log.warn(`chat: skipped a stream chunk that is not valid JSON: ${data.slice(0, 200)}`);
      return;
    }
    if (isObject(json)) onChunk(json);
    else log.warn(`chat: skipped a stream chunk that is not an object: ${data.slice(0, 200)}`);
  };
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      if (event.event === 'error') {
        let json: unknown = event.data;
        try {
          json = JSON.parse(event.data);
        } catch {
          // A plain-text error message.
        }
        const inner = isObject(json) && json.error !== undefined ? json.error : json;
        return fail(errorStatus(inner), inner);
      }
      onData(event.data);
    },
    onError: (error: ParseError) => {
      // Older llama.cpp builds send a failure as an `error: {...}` line, which SSE calls an unknown field.
      if (error.type === 'unknown-field' && error.field === 'error') {
        let json: unknown = error.value;
        try {
          json = JSON.parse(error.value ?? '');
        } catch {
          // Keep the raw text as the message.
        }
        return fail(errorStatus(json), json);
      }
      log.debug(`chat: ignored a stream line: ${error.message}`);
    },
  });

  const contentType = response.headers.get('content-type') ?? '';
  const reader = response.body?.getReader();
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let idleExpired = false;
  const armIdle = () => {
    if (!options.idleTimeoutMs) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleExpired = true;
      controller.abort();
    }, options.idleTimeoutMs);
  };
  const decoder = new TextDecoder();
  let jsonBody = '';
  const isJson = contentType.includes('json') && !contentType.includes('event-stream');
  try {
    if (!reader) throw chatError('malformed', `${describeServer(ctx)} sent an empty response.`, ctx);
    armIdle();
    while (!state.done && !state.error) {
      const { done, value } = await reader.read();
      if (done) break;
      armIdle();
      const text = decoder.decode(value, { stream: true });
      if (isJson) jsonBody += text;
      else parser.feed(text);
    }
    if (isJson) {
      // A server that ignored `stream: true` and answered with one JSON completion.
      log.warn('chat: the server answered without streaming');
      onData(jsonBody + decoder.decode());
      if (!state.error) state.done = true;
    } else if (!state.done && !state.error) {
      parser.feed(decoder.decode());
      parser.reset({ consume: true });
    }
  } catch (err) {
    if (signal?.aborted) return finish(true);
    state.error ??= idleExpired
      ? chatError('timeout', `${describeServer(ctx)} sent nothing for ${Math.round((options.idleTimeoutMs ?? 0) / 1000)} s; the reply was cut short.`, ctx)
      : classify(err, { ...ctx, phase: 'body' });
    log.warn(`chat: stream failed: ${state.error.toLogString()}`);
    return finish(false);
  }
  if (!state.done && !state.finishReason && !state.error) {
    if (signal?.aborted) return finish(true);
    state.error = chatError('malformed', `The stream ended early: ${describeServer(ctx)} closed it before the reply was complete.`, ctx);
  }
  return finish(false);

  function finish(stopped: boolean): StreamResult {
    clearTimeout(idleTimer);
    signal?.removeEventListener('abort', onAbort);
    // Closing the connection is what makes llama.cpp free the slot.
    reader?.cancel().catch(() => undefined);
    deliver(splitter.finish());
    return result(stopped);
  }
}
