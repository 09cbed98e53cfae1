// The non-streaming client for structured answers (the streaming one is the
// chat's `streamChat`): one `stream: false` request through the same
// ServerClient (registry, key, headers, timeout, redaction, error taxonomy),
// waiting for a loading model and retrying a rate limit like the chat does.
// The answer is checked against the schema; when it fails, the request is
// sent once more with the problem stated and a slightly higher temperature.
// A second failure is an error that quotes the answer and names the model:
// never a partial result.
import type { ChatStats, PromptMessage } from '../chat/types';
import { HearthError, unexpectedShape } from '../errors';
import type { RequestStats, ServerClient } from '../http';
import { loadingWait, withRetry } from '../retry';
import { nullLogger, type Logger } from '../types';
import { clipText, retryMessages } from './prompt';
import { checkReply, type JsonSchema } from './reply';
import { readCompletion, structuredMode, structuredRequest, usageOf, type CompletionReply } from './request';

/** How much warmer the retry is than the first request. */
export const RETRY_TEMPERATURE_STEP = 0.3;

/** The most of a rejected answer quoted in the error message (the log has more). */
const QUOTED_IN_ERROR = 300;

export interface StructuredOptions {
  client: Pick<ServerClient, 'json' | 'raw' | 'server' | 'requestFacts'>;
  model: string;
  /** The prompt, its system message stating the schema (see `structuredSystem`). */
  messages: PromptMessage[];
  schema: JsonSchema;
  /** A short identifier of the schema, e.g. `commit_message`. */
  name: string;
  /** The user's temperature; 0 when unset. */
  temperature?: number;
  maxTokens: number;
  /** Ollama: the num_ctx chat and completion send. */
  numCtx?: number;
  signal?: AbortSignal;
  log?: Logger;
  /** The first answer was rejected for `problem`; the retry is on its way. */
  onRetry?(problem: string): void;
  /** The server said its model is loading; Hearth waits for it. */
  onLoading?(): void;
  /** First wait before retrying a 429/503 (tests shorten it). */
  retryBaseMs?: number;
  loadingMaxMs?: number;
}

export interface StructuredResult<T> {
  value: T;
  /** The accepted answer as the model wrote it. */
  content: string;
  /** 1, or 2 when the first answer was rejected. */
  attempts: number;
  /** Tokens of all attempts together, the speed of the last. */
  stats: ChatStats;
}

/** Sends one request and reads the answer (waiting for a loading model, retrying a rate limit). */
async function ask(o: StructuredOptions, messages: PromptMessage[], temperature: number, log: Logger): Promise<CompletionReply> {
  const kind = o.client.server.kind;
  const { path, body } = structuredRequest({
    kind,
    model: o.model,
    messages,
    schema: o.schema,
    name: o.name,
    temperature,
    maxTokens: o.maxTokens,
    numCtx: o.numCtx,
  });
  let loadingSaid = false;
  const data = await withRetry(
    () => {
      const stats: RequestStats = {};
      return o.client.json<unknown>(path, { body, signal: o.signal, model: o.model, stats, usage: (d) => usageOf(kind, d) });
    },
    {
      signal: o.signal,
      log,
      maxAttempts: 3,
      baseDelayMs: o.retryBaseMs,
      loadingMaxMs: o.loadingMaxMs,
      untilLoaded: loadingWait(o.client, o.retryBaseMs),
      onLoading: () => {
        if (!loadingSaid) o.onLoading?.();
        loadingSaid = true;
      },
    },
  ).catch((err: unknown) => {
    throw wholeAnswerTimeout(err);
  });
  const reply = readCompletion(kind, data);
  if (!reply) {
    const what = kind === 'ollama' ? 'no "message" in the answer' : 'no "choices[0].message" in the answer';
    throw unexpectedShape(o.client.requestFacts({ path, model: o.model }), what, data);
  }
  return reply;
}

/**
 * A timeout, said for a request that is not streamed: its first byte is the
 * whole answer, so timeoutSeconds must cover the generation too.
 */
function wholeAnswerTimeout(err: unknown): unknown {
  if (!(err instanceof HearthError) || err.code !== 'timeout') return err;
  return new HearthError(
    'timeout',
    `${err.message} Editor commands wait for the whole answer before the first byte: raise timeoutSeconds for this server in hearth.servers, or select less code.`,
    { actions: err.actions, model: err.model, serverName: err.serverName, url: err.url, detail: err.detail, cause: err },
  );
}

/** The error after two rejected answers: what was wrong, what the model returned, which model. */
export function invalidAnswerError(o: Pick<StructuredOptions, 'model' | 'client'>, content: string, problem: string): HearthError {
  const server = o.client.server;
  const quoted = content.trim()
    ? `It returned: "${clipText(content.trim().replace(/\s+/g, ' '), QUOTED_IN_ERROR)}"`
    : 'It returned nothing.';
  return new HearthError(
    'malformed',
    `The model "${o.model}" on ${server.name} gave no usable answer in two tries. ${problem} ${quoted} ` +
      'Try again, or choose another model (a larger or instruction-tuned one) with Select Model.',
    {
      actions: ['retry', 'selectModel', 'showLog'],
      model: o.model,
      serverName: server.name,
      url: server.url,
      detail: clipText(content, 2000),
    },
  );
}

/**
 * Asks for an answer of `schema`'s shape and returns it parsed and checked.
 * Throws a HearthError when the request fails (an 'aborted' one when the
 * signal fires), or when the answer is still invalid after one retry.
 */
export async function completeStructured<T>(o: StructuredOptions): Promise<StructuredResult<T>> {
  const log = o.log ?? nullLogger;
  const base = o.temperature ?? 0;
  const stats: ChatStats = { model: o.model, stopped: false };
  const started = Date.now();
  let messages = o.messages;
  log.info(
    `task ${o.name}: ${o.model} on ${o.client.server.name} (${structuredMode(o.client.server.kind)}), ` +
      `${messages.length} messages, max ${o.maxTokens} tokens, temperature ${base}`,
  );
  for (let attempt = 1; ; attempt++) {
    const temperature = attempt === 1 ? base : Math.min(2, Math.round((base + RETRY_TEMPERATURE_STEP) * 100) / 100);
    const reply = await ask(o, messages, temperature, log);
    const add = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
    stats.promptTokens = add(stats.promptTokens, reply.usage.promptTokens);
    stats.completionTokens = add(stats.completionTokens, reply.usage.completionTokens);
    stats.tokensPerSecond = reply.usage.tokensPerSecond === undefined ? undefined : Math.round(reply.usage.tokensPerSecond * 10) / 10;
    const check = checkReply<T>(reply.content, o.schema, reply.finishReason);
    if (check.ok) {
      log.info(
        `task ${o.name}: valid answer on attempt ${attempt} after ${Date.now() - started} ms, ` +
          `${stats.promptTokens ?? '?'} prompt + ${stats.completionTokens ?? '?'} completion tokens`,
      );
      return { value: check.value, content: reply.content, attempts: attempt, stats };
    }
    log.warn(`task ${o.name}: answer ${attempt} rejected (finish ${reply.finishReason ?? 'none'}): ${check.problem}`);
    log.debug(`task ${o.name}: rejected answer: ${clipText(reply.content, 4000)}`);
    if (attempt >= 2) throw invalidAnswerError(o, reply.content, check.problem);
    o.onRetry?.(check.problem);
    messages = retryMessages(o.messages, reply.content, check.problem);
  }
}
