// HTTP to one model server: JSON calls, streams and an openai SDK client, all
// with a timeout and an AbortSignal, errors classified into HearthErrors, the
// API key sent only to the server's own origin, and one log line per request.
import OpenAI from 'openai';
import type { Logger, ServerConfig } from './types';
import { classify, describeServer, errorFromResponse, HearthError, HttpFailure, tooLarge, type RequestFacts } from './errors';
import { addSecret, redact } from './redact';
import { joinUrl } from './url';
import { followRedirects } from './redirects';
import { deadline, describeUsage, modelInBody, observeBody, setResponseFacts, type RequestUsage } from './httpParts';
import { readCapped } from './body';
import { parseServerJson } from './json';
import { formatSize, LIMITS } from './limits';

/**
 * Time allowed until the first byte of an answer (the response headers) when
 * a server sets no `timeoutSeconds`: long enough for a CPU to evaluate a long
 * prompt before a server that answers only then (Ollama) sends anything.
 */
export const DEFAULT_TIMEOUT_MS = 120_000;

export interface ClientOptions {
  apiKey?: string;
  /** Header values kept in secret storage; sent like `server.headers` (and win over them), only to the server's origin. */
  secretHeaders?: Record<string, string>;
  log: Logger;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

export type { RequestUsage as RequestStats } from './httpParts';

export interface RequestOptions {
  method?: string;
  /** JSON-encoded unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Until the response headers arrive (json(): and again for reading the body). Default the server's `timeoutSeconds`. */
  timeoutMs?: number;
  /** stream(): end the body when the server sends nothing for this long (default: `timeoutMs`). */
  idleTimeoutMs?: number;
  /** json(): the most of a 2xx body read (default LIMITS.jsonBodyBytes); more is a `tooLarge` error. */
  maxBytes?: number;
  /** The model the request is about (for error messages); read from a JSON body's `model` otherwise. */
  model?: string;
  stats?: RequestUsage;
  /** json(): reads token counts from the parsed 2xx body into `stats`, before the log line is written. */
  usage?: (data: unknown) => RequestUsage | undefined;
  /** Log at debug level (probes, whose failures are expected). */
  quiet?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface OpenAIOptions {
  timeoutMs?: number;
  /** Aborts every request of this client (callers may also pass a signal per request). */
  signal?: AbortSignal;
  stats?: RequestUsage;
  quiet?: boolean;
}

/** Talks to one server. Cheap to create; holds no connection state of its own. */
export class ServerClient {
  readonly server: ServerConfig;
  private readonly apiKey?: string;
  private readonly headers: Record<string, string>;
  private readonly log: Logger;
  private readonly baseFetch: typeof fetch;
  /**
   * fetch with this server's headers, the key (same origin only), manual
   * redirects and logging. A non-2xx answer rejects with an HttpFailure
   * (`classify` unwraps it into the HearthError).
   */
  readonly fetch: typeof fetch;

  constructor(server: ServerConfig, options: ClientOptions) {
    this.server = server;
    this.apiKey = options.apiKey || undefined;
    this.log = options.log;
    this.baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = mergeHeaders(server.headers, options.secretHeaders);
    addSecret(this.apiKey);
    // Header values are credentials more often than not: none reaches the log.
    for (const value of Object.values(this.headers)) addSecret(value);
    this.fetch = (input, init) => this.sdkFetch(input, init, {});
  }

  get hasKey(): boolean {
    return !!this.apiKey;
  }

  get timeoutMs(): number {
    return this.server.timeoutSeconds ? this.server.timeoutSeconds * 1000 : DEFAULT_TIMEOUT_MS;
  }

  url(path: string): string {
    return joinUrl(this.server.url, path);
  }

  /** The context for `classify`/`errorFromResponse` about a request to this server. */
  requestFacts(extra: Partial<RequestFacts> = {}): RequestFacts {
    return { server: this.server, hasKey: this.hasKey, timeoutMs: this.timeoutMs, ...extra };
  }

  /** Classifies anything thrown by a request to this server (e.g. by the openai client). */
  classify(err: unknown, extra: Partial<RequestFacts> = {}): HearthError {
    return classify(err, this.requestFacts(extra));
  }

  /** One request; resolves with any HTTP status (only network failures, timeouts and aborts throw). */
  async raw(path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const r = await this.exchange(path, opts);
    this.logLine(r.status < 400 ? 'ok' : 'fail', opts.quiet, r.method, r.url, `${r.status}`, r.started, r.firstByte, opts.stats);
    return { status: r.status, headers: r.headers, text: r.text };
  }

  /** A JSON request: resolves with the parsed body of a 2xx answer, otherwise throws a HearthError. */
  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const r = await this.exchange(path, opts);
    let error: HearthError | undefined;
    let data: unknown;
    if (r.status < 200 || r.status >= 300) {
      error = errorFromResponse(r.status, r.text, r.ctx, r.headers);
    } else if (r.truncated) {
      error = tooLarge(r.ctx, `an answer over ${formatSize(opts.maxBytes ?? LIMITS.jsonBodyBytes)}`);
    } else {
      try {
        data = parseServerJson(r.text);
      } catch (err) {
        error = classify(err instanceof SyntaxError ? err : new SyntaxError(String(err)), r.ctx);
      }
    }
    const outcome = error ? `${r.status}: ${error.toLogString()}` : `${r.status}`;
    const stats = !error && opts.usage ? Object.assign(opts.stats ?? {}, opts.usage(data)) : opts.stats;
    this.logLine(error ? 'fail' : 'ok', opts.quiet, r.method, r.url, outcome, r.started, r.firstByte, stats);
    if (error) throw error;
    return data as T;
  }

  /** Sends a request and reads its whole body; logs only failures (the caller logs the rest). */
  private async exchange(path: string, opts: RequestOptions) {
    const method = (opts.method ?? (opts.body === undefined ? 'GET' : 'POST')).toUpperCase();
    const url = this.url(path);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const ctx = this.requestFacts({ path, timeoutMs, model: opts.model ?? modelInBody(opts.body) });
    const limit = deadline(opts.signal, timeoutMs);
    const started = Date.now();
    let firstByte: number | undefined;
    try {
      const res = await this.send(url, this.init(method, opts), limit.signal);
      firstByte = Date.now() - started;
      limit.restart(); // the time limit is to the first byte; the body gets as long again
      const cap = res.status >= 400 ? LIMITS.errorBodyBytes : (opts.maxBytes ?? LIMITS.jsonBodyBytes);
      const { text, truncated } = await readCapped(res, cap);
      return { method, url, ctx, started, firstByte, status: res.status, headers: res.headers, text, truncated };
    } catch (err) {
      const e = classify(err, { ...ctx, timedOut: limit.timedOut(), phase: firstByte === undefined ? 'request' : 'body' });
      this.logFailure(opts.quiet, method, url, e, started);
      throw e;
    } finally {
      limit.clear();
    }
  }

  /**
   * A streaming request: resolves with the 2xx Response once its headers
   * arrive (the timeout stops there; the signal keeps working). An error
   * status throws a HearthError built from the body. Errors while reading the
   * body surface as HearthErrors; the log line is written when the body ends.
   */
  async stream(path: string, opts: RequestOptions = {}): Promise<Response> {
    const method = (opts.method ?? (opts.body === undefined ? 'GET' : 'POST')).toUpperCase();
    const url = this.url(path);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const ctx = this.requestFacts({ path, timeoutMs, model: opts.model ?? modelInBody(opts.body) });
    const limit = deadline(opts.signal, timeoutMs);
    const started = Date.now();
    let res: Response;
    try {
      res = await this.send(url, this.init(method, opts), limit.signal);
      if (!res.ok) {
        const { text } = await readCapped(res, LIMITS.errorBodyBytes);
        throw errorFromResponse(res.status, text, ctx, res.headers);
      }
    } catch (err) {
      const e = classify(err, { ...ctx, timedOut: limit.timedOut() });
      this.logFailure(opts.quiet, method, url, e, started);
      limit.clear();
      throw e;
    }
    limit.clear();
    const idleMs = opts.idleTimeoutMs ?? timeoutMs;
    const body = this.logBody(res, { quiet: opts.quiet, method, url, started, stats: opts.stats, ctx, idleMs });
    return setResponseFacts(body, ctx);
  }

  /**
   * An openai SDK client for this server's `/v1` API: no retries, this
   * server's timeout and headers, and the key only as the server's own
   * Authorization (the SDK's own Authorization header is removed, so a
   * server without a key gets none). HTTP errors reach the caller as
   * HearthErrors (wrapped by the SDK: use `client.classify(err)`).
   */
  openai(opts: OpenAIOptions = {}): OpenAI {
    return new OpenAI({
      apiKey: 'hearth-no-key', // placeholder the SDK insists on; its header is removed below
      adminAPIKey: null,
      organization: null,
      project: null,
      baseURL: `${this.server.url}/v1`,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? this.timeoutMs,
      logLevel: 'off',
      defaultHeaders: { Authorization: null },
      fetch: (input: string | URL | Request, init?: RequestInit) => this.sdkFetch(input, init, opts),
    });
  }

  private init(method: string, opts: RequestOptions): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    return { method, headers, body };
  }

  private async sdkFetch(input: string | URL | Request, init: RequestInit | undefined, opts: OpenAIOptions): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = url.startsWith(this.server.url) ? url.slice(this.server.url.length) || '/' : url;
    const ctx = this.requestFacts({ path, timeoutMs: opts.timeoutMs ?? this.timeoutMs, model: modelInBody(init?.body) });
    const signals = [init?.signal, opts.signal].filter((s): s is AbortSignal => !!s);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const started = Date.now();
    let res: Response;
    try {
      res = await this.send(url, init ?? {}, signal);
    } catch (err) {
      // Raw, so that the SDK tells its own timeout from a user abort.
      this.logFailure(opts.quiet, method, url, classify(err, ctx), started);
      throw err;
    }
    if (!res.ok) {
      const { text } = await readCapped(res, LIMITS.errorBodyBytes).catch(() => ({ text: '' }));
      const e = errorFromResponse(res.status, text, ctx, res.headers);
      this.logFailure(opts.quiet, method, url, e, started);
      throw new HttpFailure(e);
    }
    // The SDK ends a stream quietly on an AbortError; keep that behaviour.
    return this.logBody(res, { quiet: opts.quiet, method, url, started, stats: opts.stats, ctx, rawAbort: true });
  }

  /**
   * Wraps a 2xx body so its log line is written when it ends (or is
   * cancelled), and errors while reading it become HearthErrors (an abort
   * stays the raw error when `rawAbort`).
   */
  private logBody(
    res: Response,
    o: {
      quiet?: boolean;
      method: string;
      url: string;
      started: number;
      stats?: RequestUsage;
      ctx: RequestFacts;
      rawAbort?: boolean;
      idleMs?: number;
    },
  ): Response {
    const firstByte = Date.now() - o.started;
    const idleMs = o.idleMs;
    return observeBody(res, {
      idleMs,
      onIdle: () => {
        const seconds = Math.round((idleMs ?? 0) / 100) / 10;
        const e = new HearthError('timeout', `${describeServer(o.ctx)} sent nothing for ${seconds} s in the middle of its answer.`, {
          serverName: o.ctx.server?.name,
          url: o.ctx.server?.url,
          model: o.ctx.model,
        });
        this.logFailure(o.quiet, o.method, o.url, e, o.started, o.stats);
        return e;
      },
      onEnd: () => this.logLine('ok', o.quiet, o.method, o.url, `${res.status}`, o.started, firstByte, o.stats),
      onCancel: () => this.logLine('ok', o.quiet, o.method, o.url, `${res.status} cancelled`, o.started, firstByte, o.stats),
      onError: (err) => {
        const e = classify(err, { ...o.ctx, phase: 'body' });
        this.logFailure(o.quiet, o.method, o.url, e, o.started, o.stats);
        return o.rawAbort && e.code === 'aborted' ? err : e;
      },
    });
  }

  /** fetch with redirects followed by hand (see redirects.ts). */
  private send(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    return followRedirects(url, init, signal, {
      server: this.server,
      apiKey: this.apiKey,
      headers: this.headers,
      fetch: this.baseFetch,
      log: this.log,
    });
  }

  private logFailure(
    quiet: boolean | undefined,
    method: string,
    url: string,
    err: HearthError,
    started: number,
    stats?: RequestUsage,
  ): void {
    const level = err.code === 'aborted' ? 'quiet' : 'fail';
    this.logLine(level, quiet, method, url, `failed: ${err.toLogString()}`, started, undefined, stats);
  }

  private logLine(
    level: 'ok' | 'fail' | 'quiet',
    quiet: boolean | undefined,
    method: string,
    url: string,
    outcome: string,
    started: number | undefined,
    firstByte: number | undefined,
    stats: RequestUsage | undefined,
  ): void {
    const parts: string[] = [];
    if (started !== undefined) parts.push(`${Date.now() - started} ms`);
    if (firstByte !== undefined && started !== undefined && Date.now() - started - firstByte > 5) parts.push(`first byte ${firstByte} ms`);
    const extra = describeUsage(stats);
    if (extra) parts.push(extra);
    const line = redact(`${method} ${url} ${outcome}${parts.length ? ` (${parts.join(', ')})` : ''}`, [this.apiKey]);
    if (quiet || level === 'quiet') this.log.debug(line);
    else if (level === 'fail') this.log.warn(line);
    else this.log.info(line);
  }
}

/** Header maps merged case-insensitively; a later map wins. */
function mergeHeaders(...maps: (Record<string, string> | undefined)[]): Record<string, string> {
  const out = new Map<string, [string, string]>();
  for (const map of maps) for (const [name, value] of Object.entries(map ?? {})) out.set(name.toLowerCase(), [name, value]);
  return Object.fromEntries(out.values());
}
