// Retries a chat-type request while the server is rate limiting (429) or
// still loading its model (503). A loading model is waited for, up to two
// minutes (polling /health on servers that have it), without counting
// against the attempts. Not for probes or inline completion, which must
// fail fast.
import { HearthError, classify, isHearthError } from './errors';
import type { ServerClient } from './http';
import type { Logger } from './types';

export interface RetryOptions {
  signal?: AbortSignal;
  /** Total attempts including the first (a loading model's retries are not counted); default 3. */
  maxAttempts?: number;
  log?: Logger;
  /** Wait when the server gives no Retry-After: base × 2^(attempt-1); default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of any wait, Retry-After included; default 10 s. */
  maxDelayMs?: number;
  /** How long to wait for a model that is loading; default LOADING_MAX_MS. */
  loadingMaxMs?: number;
  /** Resolves when the server may have loaded (e.g. `untilHealthy`), within `maxMs`; default: the backoff wait. */
  untilLoaded?: (maxMs: number, signal?: AbortSignal) => Promise<void>;
  /** Called once when the server says its model is loading. */
  onLoading?: (error: HearthError) => void;
  now?: () => number;
}

/** How long a request waits for a model that is loading. */
export const LOADING_MAX_MS = 120_000;

const RETRYABLE = new Set(['rateLimited', 'loading']);

/** True for the errors `withRetry` retries. */
export function isRetryable(err: unknown): err is HearthError {
  return err instanceof HearthError && RETRYABLE.has(err.code);
}

/** Resolves after `ms`, or rejects with an 'aborted' HearthError when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(classify(signal.reason ?? new DOMException('aborted', 'AbortError')));
    const onAbort = () => {
      clearTimeout(timer);
      reject(classify(signal?.reason ?? new DOMException('aborted', 'AbortError')));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** The error when a model was still loading after the whole wait. */
function stillLoading(err: HearthError, waitedMs: number): HearthError {
  const who = err.serverName ? `"${err.serverName}"` : 'The server';
  return new HearthError('loading', `${who} was still loading its model after ${seconds(waitedMs)}; try again once it has loaded.`, {
    status: err.status,
    serverName: err.serverName,
    url: err.url,
    model: err.model,
    detail: err.detail,
    actions: ['retry', 'showLog'],
    cause: err,
  });
}

/**
 * Runs `fn` and, while it fails with a rateLimited or loading HearthError,
 * waits and runs it again. Rate limiting: Retry-After or backoff, capped, up
 * to `maxAttempts` in all. Loading: `untilLoaded` (or the backoff) until
 * `loadingMaxMs` have passed since the first 503. Other errors and the last
 * failure are thrown as they are.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 10_000;
  const now = options.now ?? Date.now;
  const loadingMax = options.loadingMaxMs ?? LOADING_MAX_MS;
  let loadingSince: number | undefined;
  let loadingWaits = 0;
  let counted = 0;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw classify(options.signal.reason ?? new DOMException('aborted', 'AbortError'));
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || options.signal?.aborted) throw err;
      if (err.code === 'loading') {
        const t = now();
        if (loadingSince === undefined) {
          loadingSince = t;
          options.onLoading?.(err);
        }
        const left = loadingMax - (t - loadingSince);
        if (left <= 0) throw stillLoading(err, t - loadingSince);
        const wait = Math.min(left, cap, Math.max(0, err.retryAfterMs ?? base * 2 ** loadingWaits++));
        options.log?.info(`model still loading (${err.status ?? '?'}); waiting up to ${Math.round(left / 1000)} s more`);
        // /health may say ready while the model route still answers 503: never ask again sooner than `wait`.
        const waitStart = now();
        if (options.untilLoaded) await options.untilLoaded(left, options.signal);
        const rest = wait - (now() - waitStart);
        if (rest > 0) await sleep(rest, options.signal);
        continue;
      }
      if (++counted >= maxAttempts) throw err;
      const wait = Math.min(cap, Math.max(0, err.retryAfterMs ?? base * 2 ** (counted - 1)));
      options.log?.info(`rate limited (${err.status ?? '?'}); retry ${counted}/${maxAttempts - 1} in ${wait} ms`);
      await sleep(wait, options.signal);
    }
  }
}

/**
 * What to wait on while the server loads its model: its /health (llama.cpp and
 * vLLM have one), else nothing (the retry's backoff).
 */
export function loadingWait(client: Pick<ServerClient, 'raw' | 'server'>, firstDelayMs?: number): RetryOptions['untilLoaded'] {
  if (client.server.kind !== 'llamacpp' && client.server.kind !== 'vllm') return undefined;
  return (maxMs, signal) => untilHealthy(client, maxMs, signal, { firstDelayMs });
}

/**
 * Polls the server's /health (llama.cpp and vLLM answer 503 while loading)
 * with a growing wait until it answers 200 or `maxMs` have passed. Servers
 * without /health (404) end the polling at once: the caller retries its
 * request then.
 */
export async function untilHealthy(
  client: Pick<ServerClient, 'raw'>,
  maxMs: number,
  signal?: AbortSignal,
  options: { firstDelayMs?: number; maxDelayMs?: number } = {},
): Promise<void> {
  const end = Date.now() + maxMs;
  let delay = options.firstDelayMs ?? 250;
  for (;;) {
    await sleep(Math.max(0, Math.min(delay, end - Date.now())), signal);
    if (Date.now() >= end) return;
    try {
      const res = await client.raw('/health', { signal, timeoutMs: Math.max(1000, end - Date.now()), quiet: true });
      if (res.status !== 503) return;
    } catch (err) {
      if (isHearthError(err, 'aborted')) throw err;
      return; // no answer at all: let the request say what is wrong
    }
    delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
  }
}
