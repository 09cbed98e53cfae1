// Runs one assistant reply into a conversation: picks the model, decides
// whether it gets tools, streams through the tool loop (toolLoop.ts), lets
// the ReplyPoster turn the reply's events into the webview's messages, and
// turns stops and failures into the message's final state. One reply at a
// time; `stop` aborts the HTTP request (llama.cpp then frees the slot) or the
// tool call in progress.
import { addMessage, newId, toTurns, updateMessage } from '../core/chat/conversation';
import type { Omitted } from '../core/chat/budget';
import type { HostToWebview } from '../core/chat/protocol';
import type { StreamDelta } from '../core/chat/stream';
import type { ChatMessage, Conversation, MessageError, ToolCallRecord, ToolRound } from '../core/chat/types';
import { classify, HearthError } from '../core/errors';
import type { Registry } from '../core/servers/registry';
import type { Logger } from '../core/types';
import { ACTION_LABELS } from '../errorUi';
import type { ModelChoice } from '../servers/modelChoice';
import { contextInfo } from '../core/servers/context';
import { describeProbedPorts } from '../core/servers/kinds';
import { describeOmitted, type ReplyLimits } from './generate';
import { ReplyPoster, type LiveReply } from './replyPoster';
import { replyWithTools, type LoopResult, type ToolRunner } from './toolLoop';
import type { ToolSupport } from './toolSupport';
import { resolveModel } from './models';
import type { ChatSettings } from './settings';

export interface ResponderDeps {
  registry: Registry;
  choice: ModelChoice;
  log: Logger;
  settings(): ChatSettings;
  post(message: HostToWebview): void;
  /** Saves the reply's text so far while it streams (crash safety); not awaited, its cost grows with the new text only. */
  checkpoint(convId: string, messageId: string, content: string, reasoning: string): void;
  /** First retry wait for 429/503 (tests shorten it). */
  retryBaseMs?: number;
  /** Looks for servers again (ServerWatch): before a reply whose server is missing or down, and after "connection refused". */
  lookout?: Lookout;
  /** Bounds of a reply, read when it starts (tests shorten them). */
  limits?(): Partial<ReplyLimits>;
  /** The tools the model may call, and whether this model gets them. */
  tools?: { runner: ToolRunner; support: ToolSupport };
}

/** What the chat needs of the servers' watch. */
export interface Lookout {
  /** Looks again now; resolves when done. */
  retry(): Promise<void>;
  /** A request failed: looks again in the background when nothing answered. */
  failed(error: unknown): void;
}

/** A HearthError as an inline error with buttons. */
export function toMessageError(error: HearthError): MessageError {
  const actions = error.actions.includes('showLog') ? error.actions : [...error.actions, 'showLog' as const];
  return { message: error.message, code: error.code, actions: actions.map((id) => ({ id, label: ACTION_LABELS[id] })) };
}

export class Responder {
  private current?: LiveReply & { abort: AbortController; done: Promise<unknown> };

  constructor(private readonly deps: ResponderDeps) {}

  get live(): LiveReply | undefined {
    return this.current;
  }

  get busy(): boolean {
    return !!this.current;
  }

  /** Stops the reply being generated (its stream or its tool call) and waits until it has settled. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.abort.abort();
    await current.done.catch(() => undefined);
  }

  /**
   * Adds an assistant reply to `conv` (which ends with the user's message)
   * and generates it. `onStarted` runs once the empty reply is in place (the
   * controller saves it then). Resolves with the conversation holding the
   * final reply; never rejects.
   */
  async reply(conv: Conversation, notes: string[], onStarted: (conv: Conversation) => void): Promise<Conversation> {
    if (this.current) throw new Error('a reply is already being generated');
    const { registry, choice, log } = this.deps;
    const message: ChatMessage = { id: newId(), role: 'assistant', content: '', created: Date.now() };
    let ref = resolveModel(registry.statuses(), choice.get('chat'));
    const state = ref ? registry.status(ref.server)?.state : undefined;
    if (!ref || (state !== 'ok' && state !== 'checking')) {
      // No model yet, or its server is missing or down: it may have started since (or
      // start-up discovery is still running). Look again before giving up.
      await (this.deps.lookout?.retry() ?? registry.refresh()).catch(() => undefined);
      ref = resolveModel(registry.statuses(), choice.get('chat'));
    }
    conv = addMessage({ ...conv, model: ref ?? conv.model }, message, Date.now());
    const abort = new AbortController();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const poster = new ReplyPoster(conv.id, message, this.deps.post, (content, reasoning) =>
      this.deps.checkpoint(conv.id, message.id, content, reasoning),
    );
    const live = poster.live;
    this.current = Object.assign(live, { abort, done });
    onStarted(conv);
    poster.start(notes);

    let patch: Partial<ChatMessage>;
    let rounds: ToolRound[] = [];
    const model = ref?.model ?? '';
    try {
      if (!ref) {
        throw new HearthError(
          'notFound',
          `No chat model: no model server answered (Hearth looked for ${describeProbedPorts()}). Start one and press Retry, or add your server.`,
          { actions: ['retry', 'openSettings', 'showLog'] },
        );
      }
      if (!choice.get('chat')) await choice.set('chat', ref); // remember the automatic choice
      const client = await registry.client(ref.server);
      const info = registry.findModel(ref);
      const context = contextInfo(registry.status(ref.server), info);
      const settings = this.deps.settings();
      const decision = this.deps.tools?.support.decide(ref, info, settings);
      if (decision && !decision.offer) log.info(`tools: not offered to ${ref.model}: ${decision.why}`);
      const options = {
        client,
        model: ref.model,
        turns: toTurns(conv.messages.slice(0, -1)), // without the empty reply just added
        contextLength: context.tokens,
        numCtx: context.numCtx,
        settings,
        signal: abort.signal,
        log,
        retryBaseMs: this.deps.retryBaseMs,
        limits: this.deps.limits?.(),
        onPrompt: (omitted: Omitted) => {
          const text = describeOmitted(omitted);
          if (text) poster.notice(text);
        },
        onDelta: (delta: StreamDelta) => poster.text(delta.content, delta.reasoning),
        onNotice: (text: string) => poster.notice(text),
        onToolCall: (call: Pick<ToolCallRecord, 'id' | 'name' | 'arguments'>, round: number) => poster.toolCall(call, round),
        onToolResult: (r: ToolCallRecord, round: number) => poster.toolResult(r, round),
      };
      const runner = decision?.offer && this.deps.tools ? this.deps.tools.runner : undefined;
      let loop: LoopResult;
      try {
        loop = await replyWithTools({ ...options, tools: runner });
      } catch (err) {
        if (!runner || !this.deps.tools?.support.noteRefusal(ref, err)) throw err;
        poster.notice(`${ref.model} does not take tool calls on this server; answering without tools.`);
        log.info(`tools: ${ref.model} refused tools: ${err instanceof Error ? err.message : String(err)}`);
        loop = await replyWithTools(options);
      }
      const { result } = loop;
      rounds = loop.rounds;
      const error = loop.error ?? result.error;
      patch = {
        content: result.content,
        reasoning: result.reasoning || undefined,
        stats: result.stats,
        stopped: result.stats.stopped || undefined,
        error: error ? toMessageError(error) : undefined,
      };
    } catch (err) {
      poster.flush();
      const error = classify(err);
      const text = { content: live.content, reasoning: live.reasoning || undefined };
      if (error.code === 'aborted' || abort.signal.aborted) {
        patch = { ...text, stopped: true, stats: { model, stopped: true } };
      } else {
        log.warn(`chat: reply failed: ${error.toLogString()}`);
        this.deps.lookout?.failed(error);
        patch = { ...text, error: toMessageError(error) };
      }
    } finally {
      poster.flush();
      this.current = undefined;
    }
    patch.notes = live.notes.length ? live.notes : undefined;
    patch.toolRounds = rounds.length ? rounds : undefined;
    poster.done(patch.content ?? '', patch.reasoning, patch.stats ?? { model, stopped: false }, patch.error);
    settle();
    return updateMessage(conv, message.id, patch, Date.now());
  }
}
