// Retries a chat-type request while the server is rate limiting (429) or
// still loading its model (503), honouring Retry-After. Not for probes or
// inline completion, which must fail fast.
import { HearthError, classify } from './errors';
import type { Logger } from './types';

export interface RetryOptions {
  signal?: AbortSignal;
  /** Total attempts including the first; default 3. */
  maxAttempts?: number;
  log?: Logger;
  /** Wait when the server gives no Retry-After: base × 2^(attempt-1); default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of any wait, Retry-After included; default 10 s. */
  maxDelayMs?: number;
}

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

/**
 * Runs `fn` and, while it fails with a rateLimited or loading HearthError,
 * waits (Retry-After or backoff, capped) and runs it again, up to
 * `maxAttempts` in all. Other errors and the last failure are thrown as they are.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw classify(options.signal.reason ?? new DOMException('aborted', 'AbortError'));
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt >= maxAttempts || options.signal?.aborted) throw err;
      const wait = Math.min(cap, Math.max(0, err.retryAfterMs ?? base * 2 ** (attempt - 1)));
      options.log?.info(
        `${err.code === 'loading' ? 'model still loading' : 'rate limited'} (${err.status ?? '?'}); retry ${attempt}/${maxAttempts - 1} in ${wait} ms`,
      );
      await sleep(wait, options.signal);
    }
  }
}
