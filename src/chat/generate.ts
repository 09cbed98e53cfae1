// One reply from the model: fit the conversation into the context window,
// stream it, wait while the server is loading its model and retry while it
// is rate limiting (before any text arrived), and when the server still says
// the prompt does not fit, trim harder and send once more, telling the user.
import { buildPrompt, trimHarder, type BudgetResult, type BudgetTurn, type Omitted } from '../core/chat/budget';
import { chatTransport, streamChat, type StreamDelta, type StreamResult } from '../core/chat/stream';
import { type HearthError, isHearthError } from '../core/errors';
import type { ToolSpec } from '../core/chat/toolCalls';
import type { PromptMessage } from '../core/chat/types';
import type { ServerClient } from '../core/http';
import { formatDuration, LIMITS } from '../core/limits';
import { LOADING_MAX_MS, loadingWait, withRetry } from '../core/retry';
import type { Logger } from '../core/types';
import type { ChatSettings } from './settings';

/** Give up when a started reply sends nothing for this long. */
const IDLE_MS = 120_000;

/** Bounds of one reply; tests shorten them (HearthApi's `chat.limits`). */
export interface ReplyLimits {
  /** No byte for this long once the answer started. */
  idleMs: number;
  /** From the request to the end of the reply. */
  maxDurationMs: number;
  /** Answer and reasoning together. */
  maxChars: number;
  /** How long to wait for a model the server is still loading (503), from the first 503. */
  loadingMs: number;
}

export const REPLY_LIMITS: Readonly<ReplyLimits> = {
  idleMs: IDLE_MS,
  maxDurationMs: LIMITS.chatReplyMs,
  maxChars: LIMITS.chatReplyChars,
  loadingMs: LOADING_MAX_MS,
};

export interface GenerateOptions {
  client: ServerClient;
  model: string;
  turns: BudgetTurn[];
  contextLength: number;
  /** Ollama: the num_ctx to send (the same completion sends); chat then uses Ollama's own /api/chat. */
  numCtx?: number;
  settings: ChatSettings;
  signal: AbortSignal;
  log: Logger;
  /** What was left out to fit (called again after a trimmed retry). */
  onPrompt(omitted: Omitted, promptTokens: number): void;
  onDelta(delta: StreamDelta): void;
  /** A line for the user about the reply (retries). */
  onNotice(text: string): void;
  /** First wait before retrying a 429/503 (default 1 s; Retry-After wins). */
  retryBaseMs?: number;
  limits?: Partial<ReplyLimits>;
  /** This reply's tool rounds so far, sent after the user's message. */
  tail?: PromptMessage[];
  /** Tools offered, and `tool_choice`. */
  tools?: readonly ToolSpec[];
  toolChoice?: 'auto' | 'required' | 'none';
  /** Ids for calls sent without one. */
  toolIdPrefix?: string;
}

/** Human words for what the budget left out, or undefined when nothing was. */
export function describeOmitted(omitted: Omitted): string | undefined {
  const parts: string[] = [];
  if (omitted.turns > 0) parts.push(`${omitted.turns} older message${omitted.turns === 1 ? '' : 's'}`);
  const cut = omitted.attachments.filter((c) => c.endsWith('(truncated)'));
  const dropped = omitted.attachments.filter((c) => !c.endsWith('(truncated)'));
  if (dropped.length) parts.push(`attachment${dropped.length === 1 ? '' : 's'} ${dropped.join(', ')}`);
  let text = parts.length ? `Left out to fit the model's context: ${parts.join(' and ')}.` : '';
  if (cut.length) text += `${text ? ' ' : ''}Shortened to fit: ${cut.map((c) => c.replace(/ \(truncated\)$/, '')).join(', ')}.`;
  return text || undefined;
}

function contextFailure(result: StreamResult): HearthError | undefined {
  const e = result.error;
  return e && e.code === 'contextExceeded' && !result.content && !result.reasoning ? e : undefined;
}

/**
 * Streams a reply. Throws a HearthError when the request failed before any
 * text arrived; otherwise resolves with the stream's result (stopped, failed
 * part-way, or complete).
 */
export async function generate(o: GenerateOptions): Promise<StreamResult> {
  const maxTokens = o.settings.params.max_tokens;
  let budget = buildPrompt({
    system: o.settings.systemPrompt.trim() || undefined,
    turns: o.turns,
    contextLength: o.contextLength,
    maxTokens,
    tail: o.tail,
  });
  // timeoutSeconds is the time to the first byte, for chat as for everything else.
  const transport = chatTransport(o.client, o.numCtx);
  const facts = o.client.requestFacts({ model: o.model });
  let loadingSaid = false;
  const limits = { ...REPLY_LIMITS, ...o.limits };

  const send = (b: BudgetResult) => {
    o.log.info(
      `prompt: ${b.messages.length} messages, ~${b.promptTokens} tokens of ${o.contextLength} (${b.replyTokens} kept for the reply); ` +
        `left out ${b.omitted.turns} messages and ${b.omitted.attachments.length} attachments`,
    );
    o.onPrompt(b.omitted, b.promptTokens);
    return withRetry(
      (attempt) => {
        if (attempt > 1 && !loadingSaid) o.onNotice(`The server was busy; trying again (attempt ${attempt}).`);
        return streamChat({
          ...transport,
          model: o.model,
          messages: b.messages,
          // With a max_tokens setting, never ask for more than the budget kept free.
          params: { ...o.settings.params, max_tokens: maxTokens === undefined ? undefined : b.replyTokens },
          extraBody: o.settings.extraBody,
          tools: o.tools,
          toolChoice: o.tools?.length ? o.toolChoice : undefined,
          toolIdPrefix: o.toolIdPrefix,
          cachePrompt: o.client.server.kind === 'llamacpp',
          streamUsage: o.client.server.streamUsage !== false,
          signal: o.signal,
          log: o.log,
          onDelta: o.onDelta,
          facts,
          idleTimeoutMs: limits.idleMs,
          maxDurationMs: limits.maxDurationMs,
          maxReplyChars: limits.maxChars,
        });
      },
      {
        signal: o.signal,
        log: o.log,
        maxAttempts: 3,
        baseDelayMs: o.retryBaseMs,
        loadingMaxMs: limits.loadingMs,
        untilLoaded: loadingWait(o.client, o.retryBaseMs),
        onLoading: () => {
          if (loadingSaid) return;
          loadingSaid = true;
          o.onNotice(`Loading the model… the server is still loading it; Hearth waits for it (up to ${formatDuration(limits.loadingMs)}).`);
        },
      },
    );
  };

  let first: unknown;
  try {
    const result = await send(budget);
    const failure = contextFailure(result);
    if (!failure) return result;
    first = failure;
  } catch (err) {
    first = err;
  }
  if (!isHearthError(first, 'contextExceeded') || o.signal.aborted) throw first;
  budget = trimHarder(budget, first.nCtx, first.nPromptTokens);
  const size = first.nCtx ? ` (${first.nCtx.toLocaleString('en-US')} tokens)` : '';
  o.onNotice(`The server said the prompt did not fit its context${size}; sent again with less history and context.`);
  o.log.info(`context exceeded (${first.nPromptTokens ?? '?'} of ${first.nCtx ?? '?'} tokens); retrying once with a smaller prompt`);
  const result = await send(budget);
  const failure = contextFailure(result);
  if (failure) throw failure;
  return result;
}
