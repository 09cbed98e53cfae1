// What every fill-in-the-middle backend shares: the request and result
// shapes, and readers for the two streaming formats (SSE, NDJSON). All
// requests stream, so that aborting closes the connection and the server
// stops generating (a non-streaming request runs on to n_predict). The
// readers are bounded: one event or line, and the whole completion, each
// have a size limit (LIMITS); a server that goes quiet is ended by the
// client's idle timeout (ServerClient.stream).
import type { ServerClient } from '../http';
import { describeServer, HearthError, serverText, tooLarge, unexpectedShape, type RequestFacts } from '../errors';
import { responseFacts } from '../httpParts';
import { parseServerJson } from '../json';
import { formatSize, LIMITS, quoteStart } from '../limits';
import { redact } from '../redact';
import { createSseReader } from '../sse';
import { StreamGuard, type StreamBounds } from '../streamLimits';
import type { ExtraChunk, FimTemplate } from './templates';

/** The part of ServerClient the backends use. */
export type FimClient = Pick<ServerClient, 'stream' | 'json'>;

export interface FimTimings {
  /** Prompt processing time (ms) and the tokens it evaluated (not taken from the cache). */
  promptMs?: number;
  promptTokens?: number;
  /** Prompt tokens reused from the server's prompt cache. */
  cachedTokens?: number;
  /** Generation time (ms) and tokens generated. */
  genMs?: number;
  generatedTokens?: number;
  /** Total prompt tokens (evaluated + cached), when the server says. */
  totalPromptTokens?: number;
}

export interface FimInput {
  /** Whole lines before the cursor (llama.cpp `input_prefix`). */
  inputPrefix: string;
  /** The current line up to the cursor (llama.cpp `prompt`). */
  prompt: string;
  suffix: string;
  filename: string;
  /** Leading whitespace of the current line (llama.cpp `n_indent`). */
  indent: number;
}

export interface FimRequest {
  model: string;
  input: FimInput;
  extra: readonly ExtraChunk[];
  /** Needed by backends that send a raw prompt (Ollama without `insert`, /v1/completions). */
  template?: FimTemplate;
  /** Workspace name for repository-level templates. */
  repoName?: string;
  nPredict: number;
  /** Stop generating after this long (ms, from the first token) once a line is complete. */
  timeBudgetMs?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  /** llama.cpp sampler chain; default top_k, top_p, infill. */
  samplers?: readonly string[];
  /** Ollama `keep_alive`. */
  keepAlive?: string | number;
  signal?: AbortSignal;
  /** Called with the text received so far, as it streams. */
  onText?: (text: string) => void;
  /**
   * Asked after each streamed piece: true closes the stream, and the result is
   * the text so far with stop reason 'client' (the server stops generating).
   */
  stopWhen?: (text: string) => boolean;
}

/** Why generation ended: end of sequence, n_predict, the time budget, a stop word, or Hearth closed the stream. */
export type StopReason = 'eos' | 'limit' | 'time' | 'stop' | 'client' | 'unknown';

export interface FimResult {
  text: string;
  timings: FimTimings;
  fromCache: false;
  stop: StopReason;
}

export interface FimBackend {
  readonly kind: 'infill' | 'ollama' | 'openai';
  complete(req: FimRequest): Promise<FimResult>;
  /** Evaluates the prompt without generating, to fill the server's prompt cache (llama.cpp only). */
  warmup?(req: FimRequest): Promise<FimTimings>;
}

/** The prefix a template-based backend gives the model: lines above plus the current line. */
export function fullPrefix(input: FimInput): string {
  return input.inputPrefix + input.prompt;
}

export function malformed(message: string, detail?: string): HearthError {
  return new HearthError('malformed', message, { detail });
}

/** "llama.cpp at http://…" for a response from ServerClient.stream, else "The server". */
function who(res: Response | undefined): string {
  const ctx = res && responseFacts(res);
  return ctx ? describeServer(ctx) : 'The server';
}

/**
 * A stream item parsed as a JSON object. `res` (the streamed response) names
 * the server in the error; the error quotes the start of what it sent.
 */
export function parseJson(data: string, what: string, res?: Response): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseServerJson(data);
  } catch {
    throw malformed(`${who(res)} sent ${what} that is not valid JSON: ${redact(quoteStart(data))}.`, redact(data.slice(0, 200)));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${who(res)} sent ${what} with an unexpected shape: ${redact(quoteStart(data))}.`, redact(data.slice(0, 200)));
  }
  return value as Record<string, unknown>;
}

/** A stream item of a shape this backend does not know (e.g. a proxy's own envelope). */
export function unknownItem(what: string, item: unknown, res?: Response): HearthError {
  const ctx: RequestFacts = (res && responseFacts(res)) ?? {};
  return unexpectedShape(ctx, what, item);
}

const COMPLETION_BOUNDS: StreamBounds = { maxEventChars: LIMITS.streamLineChars, maxTotalChars: LIMITS.completionChars };

function overLimit(res: Response, format: 'sse' | 'lines', bounds: StreamBounds, what: 'event' | 'total'): HearthError {
  return tooLarge(
    responseFacts(res) ?? {},
    what === 'event'
      ? `one stream ${format === 'sse' ? 'event' : 'line'} over ${formatSize(bounds.maxEventChars)}`
      : `more than ${formatSize(bounds.maxTotalChars ?? 0)} for one completion`,
  );
}

/** Reads a streaming body chunk by chunk as text; `stop()` closes the connection. */
async function* textChunks(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        const tail = decoder.decode();
        if (tail) yield tail;
        return;
      }
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    // Leaving early (done, budget spent, error) closes the connection so the server stops.
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** The `data` of each server-sent event; an event or the whole stream over its bound is a `tooLarge` error. */
export async function* sseEvents(res: Response, bounds: StreamBounds = COMPLETION_BOUNDS): AsyncGenerator<string> {
  let queue: string[] = [];
  const reader = createSseReader({
    maxEventChars: bounds.maxEventChars,
    onEvent: (e) => queue.push(e.data),
    tooLarge: () => overLimit(res, 'sse', bounds, 'event'),
    notSse: (sample) => unknownItem('a stream that is not server-sent events', sample, res),
  });
  const limits = new StreamGuard(bounds, (what) => overLimit(res, 'sse', bounds, what), false);
  for await (const chunk of textChunks(res)) {
    limits.feed(chunk);
    reader.feed(chunk);
    const ready = queue;
    queue = [];
    yield* ready;
  }
  reader.end();
  yield* queue;
}

/** Each line of a newline-delimited JSON stream, parsed; a line or the stream over its bound is a `tooLarge` error. */
export async function* ndjsonLines(res: Response, bounds: StreamBounds = COMPLETION_BOUNDS): AsyncGenerator<Record<string, unknown>> {
  let buffer = '';
  const limits = new StreamGuard(bounds, (what) => overLimit(res, 'lines', bounds, what));
  for await (const chunk of textChunks(res)) {
    limits.feed(chunk);
    buffer += chunk;
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf('\n', start)) >= 0) {
      if (nl - start > bounds.maxEventChars) throw overLimit(res, 'lines', bounds, 'event');
      const line = buffer.slice(start, nl).trim();
      start = nl + 1;
      if (line) yield parseJson(line, 'a stream line', res);
    }
    buffer = buffer.slice(start);
  }
  if (buffer.trim()) yield parseJson(buffer.trim(), 'a stream line', res);
}

/**
 * Client-side time budget, with llama.cpp's `t_max_predict_ms` meaning:
 * once `budgetMs` have passed since the first token AND a line is complete,
 * stop; the text is cut back to its last complete line. No budget, no cut.
 */
export class GenerationBudget {
  private firstTokenAt?: number;
  constructor(
    private readonly budgetMs: number | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Call with the text so far after each chunk; returns the text to keep when time is up. */
  check(text: string): string | undefined {
    if (!this.budgetMs || !text) return undefined;
    const t = this.now();
    if (this.firstTokenAt === undefined) this.firstTokenAt = t;
    if (t - this.firstTokenAt < this.budgetMs) return undefined;
    const nl = text.lastIndexOf('\n');
    return nl > 0 ? text.slice(0, nl) : undefined;
  }
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Throws the error a server put inside a stream (`{"error": …}`), if any; its text is clipped and redacted. */
export function throwStreamError(obj: Record<string, unknown>, res?: Response): void {
  const err = obj.error;
  if (err === undefined || err === null) return;
  const e = typeof err === 'object' ? (err as Record<string, unknown>) : { message: err };
  const message = serverText(typeof e.message === 'string' ? e.message : quoteStart(err, 300));
  const code = num(e.code);
  throw new HearthError(
    code && code >= 400 && code < 500 ? 'badRequest' : 'server',
    `${who(res)} reported an error in its stream: ${message}`,
    {
      detail: message,
      status: code,
    },
  );
}
