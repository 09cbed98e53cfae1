// Every failure talking to a server becomes a HearthError with a specific,
// actionable message and the actions the UI can offer. `classify` handles
// Node fetch (undici) errors and openai SDK errors; `errorFromResponse`
// reads each server kind's own error body.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { kindLabel, type ServerConfig } from './types';
import { contextNumbers, isContextError, modelFromMessage, parseErrorBody, parseRetryAfter } from './errorBody';
import { clipText, quoteStart } from './limits';
import { redact } from './redact';

export { parseErrorBody, parseRetryAfter } from './errorBody';

export type ErrorCode =
  | 'refused' // nothing listens on the port
  | 'unreachable' // DNS, network, TLS, connection closed before an answer
  | 'timeout'
  | 'unauthorized' // 401/403
  | 'modelNotFound' // 404 about a model
  | 'notFound' // 404/501 about an endpoint: wrong kind or URL, or unsupported feature
  | 'loading' // 503 while the model loads
  | 'contextExceeded'
  | 'rateLimited' // 429
  | 'server' // 5xx
  | 'badRequest' // other 4xx
  | 'malformed' // invalid JSON, unexpected shape, cut-off stream
  | 'tooLarge' // an answer, a stream line or a reply over Hearth's size limits
  | 'aborted'
  | 'internal'; // a bug or an unknown failure; details in the log

export type ErrorAction = 'retry' | 'openSettings' | 'showLog' | 'selectModel' | 'setApiKey';

/** Optional fields of a HearthError. */
export interface HearthErrorInit {
  actions?: ErrorAction[];
  status?: number;
  serverName?: string;
  url?: string;
  model?: string;
  nCtx?: number;
  nPromptTokens?: number;
  retryAfterMs?: number;
  /** The server's own message or the low-level error text: for the log, already in the message when useful. */
  detail?: string;
  cause?: unknown;
}

export class HearthError extends Error {
  override readonly name = 'HearthError';
  readonly code: ErrorCode;
  readonly actions: ErrorAction[];
  readonly status?: number;
  readonly serverName?: string;
  readonly url?: string;
  readonly model?: string;
  readonly nCtx?: number;
  readonly nPromptTokens?: number;
  readonly retryAfterMs?: number;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, init: HearthErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.actions = init.actions ?? defaultActions(code);
    this.status = init.status;
    this.serverName = init.serverName;
    this.url = init.url;
    this.model = init.model;
    this.nCtx = init.nCtx;
    this.nPromptTokens = init.nPromptTokens;
    this.retryAfterMs = init.retryAfterMs;
    this.detail = init.detail;
  }

  /** One line for the log: code, status and the low-level detail. */
  toLogString(): string {
    const status = this.status ? ` ${this.status}` : '';
    const detail = this.detail && !this.message.includes(this.detail) ? ` (${this.detail})` : '';
    return `[${this.code}${status}] ${this.message}${detail}`;
  }
}

export function isHearthError(err: unknown, code?: ErrorCode): err is HearthError {
  return err instanceof HearthError && (code === undefined || err.code === code);
}

const ACTIONS: Record<ErrorCode, ErrorAction[]> = {
  refused: ['retry', 'openSettings', 'showLog'],
  unreachable: ['retry', 'openSettings', 'showLog'],
  timeout: ['retry', 'showLog', 'openSettings'],
  unauthorized: ['setApiKey', 'showLog'],
  modelNotFound: ['selectModel', 'showLog'],
  notFound: ['openSettings', 'showLog'],
  loading: ['retry'],
  rateLimited: ['retry'],
  server: ['retry', 'showLog'],
  malformed: ['retry', 'showLog'],
  tooLarge: ['showLog'],
  contextExceeded: ['showLog'],
  badRequest: ['showLog'],
  internal: ['showLog'],
  aborted: [],
};

export function defaultActions(code: ErrorCode): ErrorAction[] {
  return [...ACTIONS[code]];
}

/** What an error message needs to know about the request. */
export interface RequestFacts {
  server?: Pick<ServerConfig, 'name' | 'kind' | 'url'>;
  model?: string;
  /** The request path, e.g. `/v1/models` (for "has no endpoint" messages). */
  path?: string;
  timeoutMs?: number;
  /** True when Hearth's own timer aborted the request (vs. the caller's signal). */
  timedOut?: boolean;
  /** 'body' when the failure happened after the response headers arrived. */
  phase?: 'request' | 'body';
  /** Whether an API key was sent. */
  hasKey?: boolean;
}

/** "llama.cpp at http://127.0.0.1:8080", or "The server". */
export function describeServer(ctx: RequestFacts): string {
  return ctx.server ? `${kindLabel(ctx.server.kind)} at ${ctx.server.url}` : 'The server';
}

function make(code: ErrorCode, message: string, ctx: RequestFacts, extra: Partial<HearthErrorInit> = {}): HearthError {
  return new HearthError(code, message, {
    serverName: ctx.server?.name,
    url: ctx.server?.url,
    model: extra.model ?? ctx.model,
    ...extra,
  });
}

const MAX_SERVER_TEXT = 300;

/**
 * Server text as shown and saved: clipped, whitespace collapsed, and passed
 * through the log's redaction (keys, bearer tokens, `key=` parameters).
 */
export function serverText(text: string): string {
  const t = redact(
    clipText(text, MAX_SERVER_TEXT * 4)
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return t.length > MAX_SERVER_TEXT ? `${t.slice(0, MAX_SERVER_TEXT)}…` : t;
}

/** Turns an HTTP error response into a HearthError, reading the server's own error body. */
export function errorFromResponse(status: number, bodyText: string, ctx: RequestFacts, headers?: Headers): HearthError {
  const who = describeServer(ctx);
  const body = parseErrorBody(bodyText);
  const text = serverText(body.message ?? '');
  const said = text ? `: ${text}` : '.';
  const base = { status, detail: text || undefined };

  if (status === 401 || status === 403) {
    const why =
      ctx.hasKey === false && status === 401
        ? 'it needs an API key. Set one for this server.'
        : status === 403
          ? 'the API key is missing, wrong or not allowed to do this.'
          : 'the API key is missing or wrong.';
    return make('unauthorized', `${who} rejected the request (${status}): ${why}`, ctx, base);
  }
  if (status === 429) {
    return make('rateLimited', `${who} is rate limiting requests (429); try again in a moment.`, ctx, {
      ...base,
      retryAfterMs: parseRetryAfter(headers),
    });
  }
  if (isContextError(body)) {
    const { nCtx, nPrompt } = contextNumbers(body);
    const size = nPrompt ? ` (${nPrompt.toLocaleString('en-US')} tokens)` : '';
    const limit = nCtx ? ` of ${nCtx.toLocaleString('en-US')} tokens` : '';
    const model = ctx.model ? ` for "${ctx.model}"` : '';
    return make(
      'contextExceeded',
      `The prompt${size} does not fit the context${limit}${model} on ${who}. Shorten the conversation or start the server with a larger context${contextHint(ctx)}.`,
      ctx,
      { ...base, nCtx, nPromptTokens: nPrompt },
    );
  }
  const modelError = body.code === 'model_not_found' || body.type === 'model_not_found';
  if ((status === 404 || modelError) && (modelError || /\bmodel\b/i.test(text))) {
    const model = ctx.model ?? modelFromMessage(text);
    const name = model ? ` "${model}"` : ' such model';
    return make('modelNotFound', `${who} has no model${name}.`, ctx, { ...base, model });
  }
  if (status === 501 && ctx.path === '/infill' && (body.type === 'not_supported_error' || /infill/i.test(text))) {
    // llama.cpp: "Infill is not supported by this model: prefix token is missing. …"
    const model = ctx.model ? `"${ctx.model}"` : 'the loaded model';
    return make(
      'notFound',
      `${who} cannot complete code with ${model}: this model has no fill-in-the-middle tokens; load a code base model.`,
      ctx,
      { ...base, actions: ['selectModel', 'showLog'] },
    );
  }
  if (status === 404 || status === 405 || status === 501) {
    const path = ctx.path ? ` ${ctx.path}` : '';
    const what = status === 501 ? `does not support${path || ' this request'} (501)` : `has no endpoint${path} (${status})`;
    return make('notFound', `${who} ${what}. Check that the server kind and URL in settings are right${said}`, ctx, base);
  }
  if (status === 503 && (/load/i.test(text) || body.type === 'unavailable_error')) {
    return make('loading', `${who} is still loading its model; try again in a moment.`, ctx, {
      ...base,
      retryAfterMs: parseRetryAfter(headers),
    });
  }
  if (status >= 500) {
    return make('server', `${who} failed with an internal error (${status})${said}`, ctx, {
      ...base,
      retryAfterMs: parseRetryAfter(headers),
    });
  }
  if (status >= 400) return make('badRequest', `${who} rejected the request (${status})${said}`, ctx, base);
  return make('malformed', `${who} answered with an unexpected status ${status}.`, ctx, base);
}

function contextHint(ctx: RequestFacts): string {
  switch (ctx.server?.kind) {
    case 'llamacpp':
      return ' (-c / --ctx-size; it is shared by the slots of -np)';
    case 'ollama':
      return ' (num_ctx)';
    case 'lmstudio':
      return ' (the context length when loading the model)';
    case 'vllm':
      return ' (--max-model-len)';
    default:
      return '';
  }
}

/** An error that arrives with a complete HearthError inside (our own fetch wrapper throws these). */
export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  constructor(readonly error: HearthError) {
    // Deliberately bland: the openai SDK greps error texts for "timed out".
    super('HTTP error response');
  }
}

const TLS_CODES = /^(CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/;

function lowLevelCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown; errors?: { code?: unknown }[] }; errors?: { code?: unknown }[] };
  const candidates = [e?.cause?.code, e?.cause?.errors?.[0]?.code, e?.code, e?.errors?.[0]?.code];
  const code = candidates.find((c) => typeof c === 'string');
  return code as string | undefined;
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

/**
 * Turns anything thrown while talking to a server into a HearthError:
 * HearthErrors pass through; fetch, abort and openai SDK errors are mapped
 * by their codes. The raw error is kept as `cause` and `detail`, never as the message.
 */
export function classify(err: unknown, ctx: RequestFacts = {}): HearthError {
  if (err instanceof HearthError) return err;
  if (err instanceof HttpFailure) return err.error;
  const who = describeServer(ctx);
  const detail = errorText(err);
  const extra = { cause: err, detail };

  if (err instanceof APIUserAbortError) return make('aborted', 'Request cancelled.', ctx, extra);
  if (err instanceof APIConnectionTimeoutError) return timeoutError(ctx, extra);
  if (err instanceof APIConnectionError) {
    const cause = (err as { cause?: unknown }).cause;
    return cause !== undefined && cause !== err ? classify(cause, ctx) : make('unreachable', `${who} cannot be reached.`, ctx, extra);
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const body = err.error === undefined ? err.message : JSON.stringify({ error: err.error });
    return errorFromResponse(err.status, body, ctx, err.headers);
  }

  const name = (err as { name?: unknown })?.name;
  if (ctx.timedOut || name === 'TimeoutError') return timeoutError(ctx, extra);
  if (name === 'AbortError') return make('aborted', 'Request cancelled.', ctx, extra);
  if (err instanceof SyntaxError) {
    return make('malformed', `${who} sent a response that is not valid JSON.`, ctx, extra);
  }

  const code = lowLevelCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return make('refused', `${who} is not running (connection refused).`, ctx, extra);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME': {
      const host = ctx.server ? ` "${urlPart(ctx.server.url, 'hostname')}"` : '';
      return make('unreachable', `${who} cannot be reached: host${host} not found.`, ctx, extra);
    }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENETDOWN':
      return make('unreachable', `${who} cannot be reached (no route to the host).`, ctx, extra);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return timeoutError(ctx, extra);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return cutOff(err, ctx, extra);
  }
  if (code && TLS_CODES.test(code)) {
    return make('unreachable', `${who} cannot be reached: its TLS certificate is not trusted (${code}).`, ctx, extra);
  }
  if (/bad port/i.test(detail)) {
    const port = ctx.server ? ` ${urlPart(ctx.server.url, 'port')}` : '';
    return make('unreachable', `${who} cannot be used: Node refuses to connect to port${port} (a blocked port). Use another port.`, ctx, {
      ...extra,
      actions: ['openSettings'],
    });
  }
  if (err instanceof TypeError && /terminated/i.test(detail)) return cutOff(err, ctx, extra);
  if (err instanceof TypeError && /fetch failed/i.test(detail)) {
    return make('unreachable', `${who} cannot be reached.`, ctx, extra);
  }
  return make('internal', `Hearth hit an unexpected problem talking to ${who}; details are in the log.`, ctx, extra);
}

function timeoutError(ctx: RequestFacts, extra: Partial<HearthErrorInit>): HearthError {
  const who = describeServer(ctx);
  const within = ctx.timeoutMs ? ` within ${formatSeconds(ctx.timeoutMs)}` : ' in time';
  return make('timeout', `${who} did not answer${within}.`, ctx, extra);
}

function cutOff(err: unknown, ctx: RequestFacts, extra: Partial<HearthErrorInit>): HearthError {
  const who = describeServer(ctx);
  if (ctx.phase === 'body' || /terminated/i.test(errorText(err))) {
    return make('malformed', `${who} closed the connection in the middle of its answer.`, ctx, extra);
  }
  return make('unreachable', `${who} closed the connection without answering.`, ctx, extra);
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}

function urlPart(url: string, part: 'hostname' | 'port'): string {
  try {
    return new URL(url)[part];
  } catch {
    return '';
  }
}

/**
 * A `malformed` error for an answer Hearth cannot read (JSON of another
 * shape, a proxy's own envelope): names the server and quotes the start of
 * what it sent (`sent`, redacted).
 */
export function unexpectedShape(ctx: RequestFacts, what: string, sent?: unknown): HearthError {
  const path = ctx.path ? ` to ${ctx.path}` : '';
  const quote = sent === undefined ? '' : ` It sent: ${redact(quoteStart(sent))}.`;
  return make(
    'malformed',
    `${describeServer(ctx)} answered${path} with something Hearth cannot read (${what}).${quote} Is it really a ${ctx.server ? kindLabel(ctx.server.kind) : 'compatible'} server?`,
    ctx,
    { detail: what },
  );
}

/** A `tooLarge` error: `what` went over Hearth's limit; the request was ended there. */
export function tooLarge(ctx: RequestFacts, what: string): HearthError {
  const path = ctx.path ? ` (${ctx.path})` : '';
  return make('tooLarge', `${describeServer(ctx)} sent ${what}${path}; Hearth stopped reading there.`, ctx);
}
