// Runs one assistant reply into a conversation: picks the model, streams
// through `generate`, forwards the text to the webview in batches (one post
// per ~16 ms, not one per token), saves the partial reply now and then, and
// turns stops and failures into the message's final state. One reply at a
// time; `stop` aborts the HTTP request (llama.cpp then frees the slot).
import { addMessage, newId, toTurns, updateMessage } from '../core/chat/conversation';
import type { HostToWebview } from '../core/chat/protocol';
import type { ChatMessage, Conversation, MessageError } from '../core/chat/types';
import { classify, HearthError } from '../core/errors';
import type { Registry } from '../core/servers/registry';
import type { Logger } from '../core/types';
import { ACTION_LABELS } from '../errorUi';
import type { ModelChoice } from '../servers/modelChoice';
import { contextInfo } from '../core/servers/context';
import { describeProbedPorts } from '../core/servers/kinds';
import { describeOmitted, generate, type ReplyLimits } from './generate';
import { resolveModel } from './models';
import type { ChatSettings } from './settings';

const POST_EVERY_MS = 16;
const SAVE_EVERY_MS = 2000;

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
}

/** What the chat needs of the servers' watch. */
export interface Lookout {
  /** Looks again now; resolves when done. */
  retry(): Promise<void>;
  /** A request failed: looks again in the background when nothing answered. */
  failed(error: unknown): void;
}

/** The reply being generated, as far as it was sent to the view. */
export interface LiveReply {
  convId: string;
  messageId: string;
  content: string;
  reasoning: string;
  notes: string[];
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

  /** Stops the reply being generated and waits until it has settled. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.abort.abort();
    await current.done.catch(() => undefined);
  }

  /**
   * Adds an assistant reply to `conv` (which ends with the user's message)
   * and generates it. `onStarted` runs once the empty reply is in place (the
   * controller posts the state then). Resolves with the conversation holding
   * the final reply; never rejects.
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
    const live = { convId: conv.id, messageId: message.id, content: '', reasoning: '', notes: [...notes], abort, done };
    this.current = live;
    onStarted(conv);
    this.deps.post({ type: 'start', messageId: message.id });
    for (const text of notes) this.deps.post({ type: 'notice', messageId: message.id, text });

    let pending = { content: '', reasoning: '' };
    let timer: NodeJS.Timeout | undefined;
    let lastSave = Date.now();
    let lastPost = 0;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      lastPost = Date.now();
      if (!pending.content && !pending.reasoning) return;
      // `live` holds what the view was sent (a state built now must not repeat the next delta).
      live.content += pending.content;
      live.reasoning += pending.reasoning;
      this.deps.post({
        type: 'delta',
        messageId: message.id,
        content: pending.content || undefined,
        reasoning: pending.reasoning || undefined,
      });
      pending = { content: '', reasoning: '' };
      if (Date.now() - lastSave > SAVE_EVERY_MS) {
        lastSave = Date.now();
        this.deps.checkpoint(conv.id, message.id, live.content, live.reasoning);
      }
    };
    const notice = (text: string) => {
      live.notes.push(text);
      this.deps.post({ type: 'notice', messageId: message.id, text });
    };

    let patch: Partial<ChatMessage>;
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
      const context = contextInfo(registry.status(ref.server), registry.findModel(ref));
      const settings = this.deps.settings();
      const result = await generate({
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
        onPrompt: (omitted) => {
          const text = describeOmitted(omitted);
          if (text) notice(text);
        },
        onDelta: (delta) => {
          if (delta.content) pending.content += delta.content;
          if (delta.reasoning) pending.reasoning += delta.reasoning;
          // Post at most every ~16 ms: by timer, or at once when the timer is late (a busy event loop).
          if (Date.now() - lastPost >= POST_EVERY_MS) flush();
          else timer ??= setTimeout(flush, POST_EVERY_MS);
        },
        onNotice: notice,
      });
      patch = {
        content: result.content,
        reasoning: result.reasoning || undefined,
        stats: result.stats,
        stopped: result.stats.stopped || undefined,
        error: result.error ? toMessageError(result.error) : undefined,
      };
    } catch (err) {
      flush();
      const error = classify(err);
      if (error.code === 'aborted' || abort.signal.aborted) {
        patch = { content: live.content, reasoning: live.reasoning || undefined, stopped: true, stats: { model, stopped: true } };
      } else {
        log.warn(`chat: reply failed: ${error.toLogString()}`);
        this.deps.lookout?.failed(error);
        patch = { content: live.content, reasoning: live.reasoning || undefined, error: toMessageError(error) };
      }
    } finally {
      flush();
      this.current = undefined;
    }
    patch.notes = live.notes.length ? live.notes : undefined;
    const stats = patch.stats ?? { model, stopped: false };
    this.deps.post({ type: 'done', messageId: message.id, stats, content: patch.content ?? '', reasoning: patch.reasoning });
    if (patch.error) this.deps.post({ type: 'error', messageId: message.id, message: patch.error.message, actions: patch.error.actions });
    settle();
    return updateMessage(conv, message.id, patch, Date.now());
  }
}
