// Assembles one streamed reply from the JSON chunks of /v1/chat/completions
// as the servers really send them: content and reasoning deltas (`<think>`,
// `reasoning_content`, Ollama's `reasoning`), `finish_reason`, usage-only
// chunks with `choices: []`, llama.cpp's `timings`, error objects, and the
// one-piece JSON completion of a server that ignored `stream: true`. A
// chunk of another shape (a proxy's own envelope) is an error naming the
// server and quoting it; the reply is capped in size.
import { errorFromResponse, tooLarge, unexpectedShape, type HearthError, type RequestFacts } from '../errors';
import { parseServerJson } from '../json';
import { formatSize, LIMITS } from '../limits';
import type { Logger } from '../types';
import { ThinkSplitter } from './think';
import { ToolCallAssembler } from './toolCalls';
import type { ChatStats } from './types';

export interface ReplyDelta {
  content?: string;
  reasoning?: string;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const numberOf = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const text = (x: unknown): string => (typeof x === 'string' ? x : '');

export class ReplyAssembler {
  model: string;
  promptTokens?: number;
  cachedTokens?: number;
  completionTokens?: number;
  finishReason?: string;
  /** `data: [DONE]` arrived. */
  done = false;
  error?: HearthError;
  private serverRate?: number;
  private chunks = 0;
  private firstAt = 0;
  private lastAt = 0;
  private readonly splitter = new ThinkSplitter();
  /** Characters of answer and reasoning received. */
  private size = 0;
  /** The first chunk that could not be read (not JSON, or no known fields), for the error if nothing else came. */
  private unreadable?: { what: string; sent: unknown };
  private finished = false;
  /** The tool calls of the reply (streamed `delta.tool_calls`, or a one-piece `message.tool_calls`). */
  readonly tools: ToolCallAssembler;

  constructor(
    model: string,
    private readonly ctx: RequestFacts,
    private readonly log: Logger,
    private readonly onDelta: (delta: ReplyDelta) => void,
    private readonly now: () => number = Date.now,
    private readonly maxChars: number = LIMITS.chatReplyChars,
    toolIdPrefix?: string,
  ) {
    this.model = model;
    this.tools = new ToolCallAssembler({ idPrefix: toolIdPrefix, maxChars });
  }

  /** One SSE `data:` payload. A payload that is not JSON is logged and skipped. */
  data(data: string): void {
    if (this.error) return; // the reply already ended
    if (data.trim() === '[DONE]') {
      this.done = true;
      return;
    }
    let json: unknown;
    try {
      json = parseServerJson(data);
    } catch {
      this.log.warn(`chat: skipped a stream chunk that is not valid JSON: ${data.slice(0, 200)}`);
      this.unreadable ??= { what: 'a stream chunk that is not JSON', sent: data };
      return;
    }
    if (isObject(json)) this.accept(json);
    else {
      this.log.warn(`chat: skipped a stream chunk that is not an object: ${data.slice(0, 200)}`);
      this.unreadable ??= { what: 'a stream chunk that is not an object', sent: data };
    }
  }

  /** A line of the stream that is not SSE at all (e.g. an HTML page with status 200). */
  unreadableLine(line: string): void {
    if (line.trim()) this.unreadable ??= { what: 'a stream that is not server-sent events', sent: line };
  }

  /** An error sent inside the stream (`error:` line, `event: error`); JSON text or a plain message. */
  errorEvent(raw: string): void {
    let json: unknown = raw;
    try {
      json = parseServerJson(raw);
    } catch {
      // A plain-text message.
    }
    this.fail(isObject(json) && json.error !== undefined ? json.error : json);
  }

  /**
   * Flushes text held back while looking for a tag; call once at the end.
   * A reply that brought nothing but chunks Hearth could not read is an error.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deliver(this.splitter.finish());
    if (!this.error && this.size === 0 && !this.tools.started && this.unreadable) {
      this.error = unexpectedShape(this.ctx, this.unreadable.what, this.unreadable.sent);
      this.log.warn(`chat: ${this.error.toLogString()}`);
    }
  }

  /** The final answer, reasoning and stats. Authoritative: a late `</think>` may reclassify streamed text. */
  result(stopped: boolean): { content: string; reasoning: string; stats: ChatStats } {
    const completion = this.completionTokens ?? (this.chunks || undefined);
    const seconds = (this.lastAt - this.firstAt) / 1000;
    const measured = completion && completion > 1 && seconds > 0 ? (completion - 1) / seconds : undefined;
    const rate = this.serverRate ?? measured;
    return {
      ...this.splitter.result(),
      stats: {
        model: this.model,
        promptTokens: this.promptTokens,
        ...(this.cachedTokens !== undefined ? { cachedTokens: this.cachedTokens } : {}),
        completionTokens: completion,
        tokensPerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
        stopped,
      },
    };
  }

  /** One parsed chunk (OpenAI's shape; other APIs convert theirs to it). */
  accept(chunk: Json): void {
    if (chunk.error !== undefined) return this.fail(chunk.error);
    if (!Array.isArray(chunk.choices) && !isObject(chunk.usage) && !isObject(chunk.timings)) {
      // Another envelope (a proxy's own format): before any text it is an error, later it is skipped.
      this.unreadable ??= { what: 'a stream chunk without "choices"', sent: chunk };
      if (this.size === 0) {
        this.error = unexpectedShape(this.ctx, this.unreadable.what, chunk);
        this.log.warn(`chat: ${this.error.toLogString()}`);
      } else this.log.warn('chat: skipped a stream chunk without "choices"');
      return;
    }
    if (typeof chunk.model === 'string' && chunk.model) this.model = chunk.model;
    if (isObject(chunk.usage)) {
      this.promptTokens = numberOf(chunk.usage.prompt_tokens) ?? this.promptTokens;
      this.completionTokens = numberOf(chunk.usage.completion_tokens) ?? this.completionTokens;
      const details = chunk.usage.prompt_tokens_details;
      if (isObject(details)) this.cachedTokens = numberOf(details.cached_tokens) ?? this.cachedTokens;
    }
    const timings = chunk.timings;
    if (isObject(timings)) {
      const promptN = numberOf(timings.prompt_n);
      // prompt_n counts only what was evaluated; cache_n what the prompt cache already held.
      if (promptN !== undefined) this.promptTokens ??= promptN + (numberOf(timings.cache_n) ?? 0);
      this.cachedTokens ??= numberOf(timings.cache_n);
      this.completionTokens ??= numberOf(timings.predicted_n);
      this.serverRate = numberOf(timings.predicted_per_second) ?? this.serverRate;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isObject(choice)) return;
    // `delta` when streaming; `message` in a one-piece completion.
    const delta = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
    const reasoning = text(delta.reasoning_content) || text(delta.reasoning);
    const content = text(delta.content);
    if (content || reasoning) {
      this.chunks++;
      this.lastAt = this.now();
      if (!this.firstAt) this.firstAt = this.lastAt;
      this.size += content.length + reasoning.length;
      if (this.size > this.maxChars) {
        this.error = tooLarge(this.ctx, `a reply over ${formatSize(this.maxChars)}`);
        this.log.warn(`chat: ${this.error.toLogString()}`);
        return;
      }
    }
    if (isObject(choice.delta) && choice.delta.tool_calls !== undefined) this.tools.push(choice.delta.tool_calls);
    else if (isObject(choice.message) && choice.message.tool_calls !== undefined) this.tools.pushMessage(choice.message.tool_calls);
    if (this.tools.started) this.firstAt ||= this.now();
    if (this.tools.error) {
      this.error = this.tools.tooLarge
        ? tooLarge(this.ctx, `tool calls over ${formatSize(this.maxChars)}`)
        : unexpectedShape(this.ctx, this.tools.error, choice);
      this.log.warn(`chat: ${this.error.toLogString()}`);
      return;
    }
    if (reasoning) this.deliver(this.splitter.pushReasoning(reasoning));
    if (content) this.deliver(this.splitter.push(content));
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  private fail(errorJson: unknown): void {
    const code = isObject(errorJson) ? numberOf(errorJson.code) : undefined;
    const status = code && code >= 400 && code < 600 ? code : 500;
    this.error ??= errorFromResponse(status, JSON.stringify({ error: errorJson }), this.ctx);
    this.log.warn(`chat: error inside the stream: ${this.error.toLogString()}`);
  }

  private deliver(delta: ReplyDelta): void {
    const out: ReplyDelta = {};
    if (delta.content) out.content = delta.content;
    if (delta.reasoning) out.reasoning = delta.reasoning;
    if (out.content || out.reasoning) this.onDelta(out);
  }
}
