// Pieces of http.ts: a timeout combined with the caller's signal, a body
// wrapper that reports when a response has been read (and ends it when the
// server goes quiet), the request facts of a streamed response, and log helpers.
import type { RequestFacts } from './errors';

/** Filled in by the caller while it reads a response; shown in the request's log line. */
export interface RequestUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** Anything else worth a word in the log line, e.g. "cache 120". */
  note?: string;
}

export interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  clear(): void;
  /** Starts the same time limit again (the first byte arrived; now the rest of the body). */
  restart(): void;
}

export function deadline(outer: AbortSignal | undefined, ms: number): Deadline {
  const ctl = new AbortController();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer =
      ms > 0 && Number.isFinite(ms)
        ? setTimeout(() => {
            fired = true;
            ctl.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
          }, ms)
        : undefined;
  };
  arm();
  return {
    signal: outer ? AbortSignal.any([outer, ctl.signal]) : ctl.signal,
    timedOut: () => fired,
    clear: () => clearTimeout(timer),
    restart: arm,
  };
}

export function modelInBody(body: unknown): string | undefined {
  if (typeof body !== 'string')
    return typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : undefined;
  const hit = /"model"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(body.slice(0, 4096));
  return hit ? hit[1] : undefined;
}

export function describeUsage(stats?: RequestUsage): string {
  if (!stats) return '';
  const parts: string[] = [];
  if (stats.promptTokens !== undefined) parts.push(`${stats.promptTokens} prompt`);
  if (stats.completionTokens !== undefined) parts.push(`${stats.completionTokens} completion`);
  const tokens = parts.length ? `${parts.join(' + ')} tokens` : '';
  return [tokens, stats.note].filter(Boolean).join(', ');
}

export interface BodyHooks {
  onEnd(): void;
  /** Returns what the reader of the body sees instead of the raw error. */
  onError(err: unknown): unknown;
  onCancel(): void;
  /** End the body when the server sends nothing for this long while it is being read. */
  idleMs?: number;
  /** Returns the error the reader sees when `idleMs` passed without a byte. */
  onIdle?(): unknown;
}

const facts = new WeakMap<Response, RequestFacts>();

/** The request a streamed response answers (set by ServerClient.stream), for messages about its body. */
export function responseFacts(res: Response): RequestFacts | undefined {
  return facts.get(res);
}

export function setResponseFacts(res: Response, ctx: RequestFacts): Response {
  facts.set(res, ctx);
  return res;
}

/** A copy of `res` whose body reports its end, failure or cancellation, and ends when idle too long. */
export function observeBody(res: Response, hooks: BodyHooks): Response {
  if (!res.body) {
    hooks.onEnd();
    return res;
  }
  const reader = res.body.getReader();
  let settled = false;
  const once = (fn: () => void) => {
    if (!settled) {
      settled = true;
      fn();
    }
  };
  const idleMs = hooks.idleMs && hooks.idleMs > 0 && Number.isFinite(hooks.idleMs) ? hooks.idleMs : undefined;
  let idle = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Only the time spent waiting for the server counts, not the reader's own pace.
      const timer =
        idleMs === undefined
          ? undefined
          : setTimeout(() => {
              idle = true;
              void reader.cancel().catch(() => undefined);
            }, idleMs);
      try {
        const { done, value } = await reader.read();
        clearTimeout(timer);
        if (idle) {
          let out: unknown = new Error('idle');
          once(() => (out = hooks.onIdle ? hooks.onIdle() : out));
          controller.error(out);
          return;
        }
        if (done) {
          once(hooks.onEnd);
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        clearTimeout(timer);
        let out: unknown = err;
        once(() => (out = idle && hooks.onIdle ? hooks.onIdle() : hooks.onError(err)));
        controller.error(out);
      }
    },
    async cancel(reason) {
      once(hooks.onCancel);
      await reader.cancel(reason).catch(() => undefined);
    },
  });
  const copy = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(copy, 'url', { value: res.url });
  return copy;
}
