// One reply for VS Code's chat, through the same client as Hearth's own
// chat: streamChat (the server's key and headers, only to its origin),
// waiting while the model loads and retrying while the server rate limits
// (before any text arrived), and an abort that closes the stream so that
// llama.cpp frees the slot. Reasoning is left out of the text.
import { chatTransport, streamChat, type SamplingParams } from '../core/chat/stream';
import { HearthError } from '../core/errors';
import { checkToolCalls, type CheckedToolCall, type RawToolCall, type ToolSpec } from '../core/chat/toolCalls';
import type { ServerClient } from '../core/http';
import { lmToolSpecs, toOllamaMessages, toOpenAIMessages, type LmMessage, type LmTool } from '../core/lm/messages';
import { loadingWait, withRetry } from '../core/retry';
import type { Logger } from '../core/types';
import { REPLY_LIMITS } from '../chat/generate';
import type { ChatSettings } from '../chat/settings';

export interface RespondOptions {
  client: ServerClient;
  model: string;
  messages: readonly LmMessage[];
  /** Ollama: the num_ctx Hearth's chat and completion send (the model is then not reloaded). */
  numCtx?: number;
  /** The most the reply may have (the model's maxOutputTokens). */
  maxTokens: number;
  /** The caller's options (temperature, top_p, max_tokens win over the chat settings). */
  modelOptions?: { readonly [name: string]: unknown };
  tools?: readonly LmTool[];
  toolsRequired?: boolean;
  settings: ChatSettings;
  signal: AbortSignal;
  log: Logger;
  onText(text: string): void;
  /** A tool call, once it is complete and checked (its arguments parsed and valid for the tool's schema). */
  onToolCall(call: CheckedToolCall): void;
  /** First wait before retrying a 429/503 (default 1 s). */
  retryBaseMs?: number;
}

function num(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : undefined;
}

/** Sampling: the caller's options, else the chat settings; the reply never longer than the model's output share. */
export function samplingFor(settings: ChatSettings, maxTokens: number, modelOptions: RespondOptions['modelOptions'] = {}): SamplingParams {
  const asked = num(modelOptions.max_tokens, 1, Number.MAX_SAFE_INTEGER);
  return {
    temperature: num(modelOptions.temperature, 0, 5) ?? settings.params.temperature,
    top_p: num(modelOptions.top_p, 0, 1) ?? settings.params.top_p,
    max_tokens: Math.floor(Math.min(asked ?? maxTokens, maxTokens)),
  };
}

/**
 * Streams the reply into `onText`. Resolves when it is complete or stopped
 * (`signal`); throws a HearthError when it failed, before or after text
 * arrived (what arrived was already reported).
 */
export async function respond(o: RespondOptions): Promise<{ stopped: boolean }> {
  const ollama = o.client.server.kind === 'ollama';
  const tools = lmToolSpecs(o.tools);
  const result = await withRetry(
    () =>
      streamChat({
        ...chatTransport(o.client, o.numCtx),
        model: o.model,
        messages: ollama ? toOllamaMessages(o.messages) : toOpenAIMessages(o.messages),
        params: samplingFor(o.settings, o.maxTokens, o.modelOptions),
        extraBody: o.settings.extraBody,
        tools,
        toolChoice: o.toolsRequired && tools.length ? 'required' : undefined,
        // Ids for calls a server sends without one, unique within the conversation.
        toolIdPrefix: `hearth_${Date.now().toString(36)}_`,
        streamUsage: o.client.server.streamUsage !== false,
        signal: o.signal,
        log: o.log,
        facts: o.client.requestFacts({ model: o.model }),
        idleTimeoutMs: REPLY_LIMITS.idleMs,
        onDelta: (delta) => {
          if (delta.content) o.onText(delta.content);
        },
      }),
    {
      signal: o.signal,
      log: o.log,
      maxAttempts: 3,
      baseDelayMs: o.retryBaseMs,
      untilLoaded: loadingWait(o.client, o.retryBaseMs),
    },
  );
  if (result.error) throw result.error;
  if (result.stats.stopped) return { stopped: true };
  if (result.toolCalls.length) reportToolCalls(result.toolCalls, tools, result.finishReason, o);
  return { stopped: false };
}

/**
 * The reply's tool calls, all checked before any is reported: a call of a
 * tool that was not offered, arguments that are not a JSON object or that
 * the tool's schema refuses fail the reply (never `{}` in their place).
 */
function reportToolCalls(calls: RawToolCall[], tools: ToolSpec[], finishReason: string | undefined, o: RespondOptions): void {
  const facts = { serverName: o.client.server.name, url: o.client.server.url, model: o.model };
  let turn: ReturnType<typeof checkToolCalls>;
  try {
    turn = checkToolCalls(calls, tools, { finishReason });
  } catch (err) {
    // A tool's schema the validator cannot read: say so rather than pass unchecked arguments on.
    const why = err instanceof Error ? err.message : String(err);
    throw new HearthError('internal', `Hearth could not check the model's tool calls against the tools' schemas: ${why}`, facts);
  }
  if (!turn.ok) {
    o.log.warn(`vscode chat: ${turn.summary}`);
    throw new HearthError('malformed', turn.summary, facts);
  }
  for (const call of turn.calls) o.onToolCall(call);
}
