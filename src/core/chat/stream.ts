// Streams one chat reply from POST /v1/chat/completions, or from Ollama's own
// POST /api/chat (which takes num_ctx). The OpenAI request goes through the
// openai package (auth, headers, base URL, HTTP errors), but the stream is
// parsed here (feeds.ts) so that one bad chunk is logged and skipped instead
// of ending the reply, and so that the shapes servers really send are
// understood: llama.cpp's `timings` and its `error:` events,
// `reasoning_content` / `reasoning`, usage-only chunks, Ollama's NDJSON.
// Bounded: one event, the reply and its duration each have a limit, and a
// server that goes quiet is given up on (`idleTimeoutMs`).
import type OpenAI from 'openai';
import { classify, describeServer, HearthError, type ErrorCode, type RequestFacts } from '../errors';
import type { ServerClient } from '../http';
import { formatDuration, LIMITS } from '../limits';
import { ndjsonFeed, sseFeed } from './feeds';
import { ollamaChatBody } from './ollamaChat';
import { nullLogger, type Logger } from '../types';
import { ReplyAssembler, type ReplyDelta } from './reply';
import type { ChatStats, WireMessage } from './types';
import { openAiTools, type RawToolCall, type ToolSpec } from './toolCalls';

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
}

export type StreamDelta = ReplyDelta;

export interface StreamChatOptions {
  /** A client whose baseURL ends in `/v1` (ServerClient.openai()); or `ollama`. */
  openai?: OpenAI;
  /** Ollama: talk to its own /api/chat through this client, with this num_ctx. */
  ollama?: { client: Pick<ServerClient, 'stream'>; numCtx?: number };
  model: string;
  messages: readonly WireMessage[];
  params?: SamplingParams;
  /** Extra body fields (top_k, min_p, repeat_penalty, chat_template_kwargs …); cannot replace model, messages or stream. */
  extraBody?: Record<string, unknown>;
  /** Tools offered to the model (OpenAI `tools`); none: the request has no `tools` field. */
  tools?: readonly ToolSpec[];
  /** `tool_choice` when tools are offered (default: the server's, i.e. "auto"). */
  toolChoice?: 'auto' | 'required' | 'none';
  /** Ids for tool calls the server sent without one (see ToolCallAssembler). */
  toolIdPrefix?: string;
  /** llama.cpp: send `cache_prompt: true` (reuse the slot's evaluated prefix). */
  cachePrompt?: boolean;
  /** Ask for `stream_options.include_usage` (some proxies reject it). */
  streamUsage?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  onDelta: (delta: StreamDelta) => void;
  /** For error messages: which server and model. */
  facts?: RequestFacts;
  /** Give up when no bytes arrive for this long once the answer started (default: never). */
  idleTimeoutMs?: number;
  /** Stop the reply after this long from the request (default LIMITS.chatReplyMs). */
  maxDurationMs?: number;
  /** Stop the reply when answer and reasoning pass this many characters (default LIMITS.chatReplyChars). */
  maxReplyChars?: number;
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
  /** The tool calls the model made, as sent (unchecked: see checkToolCalls). */
  toolCalls: RawToolCall[];
}

/** How a chat reaches its server: Ollama's own /api/chat (with the num_ctx completion sends too), else the OpenAI client. */
export function chatTransport(client: ServerClient, numCtx?: number): Pick<StreamChatOptions, 'openai' | 'ollama'> {
  return client.server.kind === 'ollama' ? { ollama: { client, numCtx } } : { openai: client.openai() };
}

const RESERVED = new Set(['model', 'messages', 'stream', 'stream_options']);

const YIELD_EVERY_MS = 8;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

function chatError(code: ErrorCode, message: string, ctx: RequestFacts): HearthError {
  return new HearthError(code, message, { model: ctx.model, serverName: ctx.server?.name, url: ctx.server?.url });
}

/** The request body: sampling params, then extra fields, then what only we decide. */
function requestBody(options: StreamChatOptions, log: Logger): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options.params ?? {})) if (value !== undefined) body[key] = value;
  for (const [key, value] of Object.entries(options.extraBody ?? {})) {
    if (RESERVED.has(key)) log.warn(`chat: ignoring extra body field "${key}"`);
    else body[key] = value;
  }
  Object.assign(body, { model: options.model, messages: options.messages, stream: true });
  if (options.streamUsage) body.stream_options = { include_usage: true };
  if (options.cachePrompt) body.cache_prompt = true;
  if (options.tools?.length) {
    body.tools = openAiTools(options.tools);
    if (options.toolChoice) body.tool_choice = options.toolChoice;
  }
  return body;
}

/**
 * Streams a reply, calling `onDelta` with each new piece of answer or
 * reasoning. Throws a HearthError when the request fails before the stream
 * starts (nothing was received, so retrying is safe). Once streaming, it
 * always resolves: a stop via `signal` gives `stats.stopped`, a failure gives
 * `error` with the partial text kept. The result's content and reasoning are
 * authoritative (a late `</think>` may reclassify text already streamed).
 */
export async function streamChat(options: StreamChatOptions): Promise<StreamResult> {
  const { model, signal } = options;
  const log = options.log ?? nullLogger;
  const now = options.now ?? Date.now;
  const path = options.ollama ? '/api/chat' : '/v1/chat/completions';
  const ctx: RequestFacts = { model, ...options.facts, path };
  const reply = new ReplyAssembler(
    model,
    ctx,
    log,
    options.onDelta,
    now,
    options.maxReplyChars ?? LIMITS.chatReplyChars,
    options.toolIdPrefix,
  );
  const maxDurationMs = options.maxDurationMs ?? LIMITS.chatReplyMs;
  const started = now();
  const result = (stopped: boolean): StreamResult => {
    const r = reply.result(stopped);
    const s = r.stats;
    const outcome = stopped ? 'stopped' : reply.error ? `failed (${reply.error.code})` : 'done';
    const calls = reply.tools.calls;
    log.info(
      `chat: ${outcome} after ${now() - started} ms, ${s.promptTokens ?? '?'} prompt + ${s.completionTokens ?? '?'} completion tokens, ` +
        `${s.tokensPerSecond ?? '?'} tokens/s, finish ${reply.finishReason ?? 'none'}` +
        (calls.length ? `, tool calls: ${calls.map((c) => c.name || '?').join(', ')}` : ''),
    );
    return { ...r, finishReason: reply.finishReason, error: reply.error, toolCalls: calls };
  };

  if (signal?.aborted) return result(true);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let overtime = false;
  const durationTimer = setTimeout(() => {
    overtime = true;
    controller.abort();
  }, maxDurationMs);
  const overtimeError = () =>
    chatError('timeout', `The reply took longer than ${formatDuration(maxDurationMs)}; Hearth stopped it there.`, ctx);

  log.debug(`chat: POST ${path} model=${model} messages=${options.messages.length} usage=${!!options.streamUsage}`);
  if (options.tools?.length) log.info(`chat: tools offered: ${options.tools.map((t) => t.name).join(', ')}`);
  let response: Response;
  try {
    response = await open(options, controller.signal, log);
  } catch (err) {
    clearTimeout(durationTimer);
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) return result(true);
    const error = overtime ? overtimeError() : classify(err, ctx);
    log.warn(`chat: request failed: ${error.toLogString()}`);
    throw error;
  }

  const feed = options.ollama ? ndjsonFeed(reply, log, ctx) : sseFeed(reply, log, ctx, response);
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
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
  const finish = (stopped: boolean): StreamResult => {
    clearTimeout(idleTimer);
    clearTimeout(durationTimer);
    signal?.removeEventListener('abort', onAbort);
    // Closing the connection is what makes llama.cpp free the slot.
    reader?.cancel().catch(() => undefined);
    reply.finish();
    return result(stopped);
  };

  try {
    if (!reader) throw chatError('malformed', `${describeServer(ctx)} sent an empty response.`, ctx);
    armIdle();
    let busySince = now();
    while (!reply.done && !reply.error) {
      const { done, value } = await reader.read();
      if (done) break;
      // While data is queued, read() resolves without ever leaving the microtask
      // queue; yield now and then so timers (the batched posts to the view) run.
      if (now() - busySince > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        busySince = now();
      }
      armIdle();
      feed.push(decoder.decode(value, { stream: true }));
      if (options.requestStats) {
        options.requestStats.promptTokens = reply.promptTokens;
        options.requestStats.completionTokens = reply.completionTokens;
      }
    }
    if (!reply.done && !reply.error) feed.end(decoder.decode());
    reply.finish();
  } catch (err) {
    if (signal?.aborted) return finish(true);
    reply.error ??= overtime
      ? overtimeError()
      : err instanceof HearthError && (err.code === 'tooLarge' || err.code === 'malformed')
        ? err
        : idleExpired
          ? chatError(
              'timeout',
              `${describeServer(ctx)} sent nothing for ${Math.round((options.idleTimeoutMs ?? 0) / 1000)} s; the reply was cut short.`,
              ctx,
            )
          : classify(err, { ...ctx, phase: 'body' });
    log.warn(`chat: stream failed: ${reply.error.toLogString()}`);
    return finish(false);
  }
  if (!reply.done && !reply.finishReason && !reply.error) {
    if (signal?.aborted) return finish(true);
    reply.error = chatError('malformed', `The stream ended early: ${describeServer(ctx)} closed it before the reply was complete.`, ctx);
  }
  return finish(false);
}

/** Sends the request: Ollama's /api/chat through the server client, else /v1/chat/completions through the openai package. */
function open(options: StreamChatOptions, signal: AbortSignal, log: Logger): Promise<Response> {
  if (options.ollama) {
    const body = ollamaChatBody({ ...options, numCtx: options.ollama.numCtx }, log);
    return options.ollama.client.stream('/api/chat', { body, signal, model: options.model });
  }
  if (!options.openai) throw new Error('streamChat needs an openai client or an Ollama client');
  return options.openai.chat.completions
    .create(requestBody(options, log) as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal, maxRetries: 0 })
    .asResponse();
}
