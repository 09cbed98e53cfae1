// The chat's host side: owns the current conversation, the history on disk,
// the attachments and the reply being generated; turns webview messages into
// actions and posts the state and the streaming reply back. Everything it
// sends to the webview goes through `onDidPost` (the view forwards it; tests
// listen to it). A failed save never loses the message, the draft or the
// attachments, and never leaves the controller stuck (saver.ts).
import type * as vscode from 'vscode';
import { addMessage, forkAt, markInterrupted, newId, regenerateFrom, toView, updateMessage } from '../core/chat/conversation';
import { toMarkdown } from '../core/chat/exportMarkdown';
import type { HistoryStore } from '../core/chat/history';
import type { ChatState, HostToWebview, WebviewToHost } from '../core/chat/protocol';
import type { Conversation } from '../core/chat/types';
import type { ErrorAction } from '../core/errors';
import { Emitter } from '../core/events';
import type { Registry } from '../core/servers/registry';
import type { Logger } from '../core/types';
import { runAction } from '../errorUi';
import type { ModelChoice } from '../servers/modelChoice';
import { copyText, insertAtCursor, openInNewFile, openLink, saveMarkdown } from './actions';
import type { Attachments } from './attachments';
import { modelOptions } from './models';
import { Responder, type Lookout, type ResponderDeps } from './responder';
import type { ChatSettings } from './settings';
import type { ChatUi } from './ui';
import { DraftSaver } from './drafts';
import type { ReplyLimits } from './generate';
import { ChatSaver } from './saver';

export interface ControllerDeps {
  history: HistoryStore;
  registry: Registry;
  choice: ModelChoice;
  attachments: Attachments;
  ui: ChatUi;
  log: Logger;
  settings(): ChatSettings;
  retryBaseMs?: number;
  /** Looks for servers again (the servers' watch). */
  lookout?: Lookout;
  /** Bounds of a reply (tests shorten them); read at each reply. */
  limits?: Partial<ReplyLimits>;
  /** The tools the model may call, and whether a model gets them. */
  tools?: ResponderDeps['tools'];
}

export class ChatController implements vscode.Disposable {
  private conv!: Conversation;
  private readonly responder: Responder;
  private running: Promise<void> = Promise.resolve();
  private readonly drafts: DraftSaver;
  private readonly saver: ChatSaver;
  private starting = false;
  private statePosted = false;
  private readonly posted = new Emitter<HostToWebview>();
  /** Every message for the webview, in order. */
  readonly onDidPost = this.posted.event;
  /** Resolves once the history is loaded. */
  readonly ready: Promise<void>;

  constructor(private readonly deps: ControllerDeps) {
    this.saver = new ChatSaver(deps.history, deps.log, () => this.postState());
    this.responder = new Responder({
      registry: deps.registry,
      choice: deps.choice,
      log: deps.log,
      settings: deps.settings,
      post: (m) => this.post(m),
      checkpoint: (convId, messageId, content, reasoning) => this.saver.checkpoint(convId, messageId, content, reasoning),
      retryBaseMs: deps.retryBaseMs,
      lookout: deps.lookout,
      limits: () => deps.limits ?? {},
      tools: deps.tools,
    });
    this.drafts = new DraftSaver(deps.history, (err) => this.saver.draftFailed(err));
    this.ready = this.load();
  }

  get current(): Conversation {
    return this.conv;
  }

  /** A reply is being generated (or about to be: a second Send in the meantime is ignored). */
  get busy(): boolean {
    return this.responder.busy || this.starting;
  }

  /** Resolves when the reply in progress (if any) is finished and saved. */
  idle(): Promise<void> {
    return this.running;
  }

  state(): ChatState {
    const live = this.responder.live;
    let conv = this.conv;
    if (live && live.convId === conv.id)
      conv = updateMessage(
        conv,
        live.messageId,
        { content: live.content, reasoning: live.reasoning || undefined, notes: live.notes },
        conv.updated,
      );
    const statuses = this.deps.registry.statuses();
    const notice =
      statuses.length > 0
        ? undefined
        : this.deps.registry.isRefreshing()
          ? 'Looking for model servers…'
          : 'No model server found on this machine. Start one, or add yours in settings.';
    const current = toView(conv);
    const liveView = live && live.convId === conv.id ? current.messages.find((m) => m.id === live.messageId) : undefined;
    if (live && liveView && live.rounds.length) liveView.toolRounds = live.rounds.map((r) => ({ content: r.content, calls: [...r.calls] }));
    return {
      conversations: this.deps.history.list().filter((s) => s.messageCount > 0 || s.id === this.conv.id),
      current,
      draft: this.drafts.get(conv.id),
      models: modelOptions(statuses),
      selectedModel: this.deps.choice.get('chat'),
      attachments: this.deps.attachments.chips(),
      includeCurrentFile: this.deps.attachments.includeCurrentFile,
      includeProblems: this.deps.attachments.includeProblems,
      currentFile: this.deps.attachments.currentFile(),
      busy: this.busy,
      streamingId: live && live.convId === conv.id ? live.messageId : undefined,
      notice,
      problem: this.saver.problem,
    };
  }

  /** Posts the state on the next tick (several changes in a row make one post). */
  postState(): void {
    if (this.statePosted || !this.conv) return; // `load` posts the first state
    this.statePosted = true;
    setTimeout(() => {
      this.statePosted = false;
      this.post({ type: 'state', state: this.state() });
    }, 0);
  }

  async handle(m: WebviewToHost): Promise<void> {
    await this.ready;
    switch (m.type) {
      case 'ready':
        return this.postState();
      case 'send':
        return this.send(m.text, m.attachmentIds);
      case 'stop':
        return this.responder.stop();
      case 'regenerate':
        return this.rerun((c) => regenerateFrom(c, m.messageId, Date.now()));
      case 'editResend':
        return this.rerun((c) => forkAt(c, m.messageId, m.text, Date.now()));
      case 'newChat':
        return this.newChat();
      case 'switchConversation':
        return this.switchTo(m.id);
      case 'deleteConversation':
        return this.deleteConversation(m.id);
      case 'exportConversation':
        return void (await this.exportConversation(m.id));
      case 'copy':
        return copyText(m.text);
      case 'insertCode':
        return void (await insertAtCursor(this.deps.attachments.lastEditor, m.code, this.deps.ui));
      case 'openInNewFile':
        return void (await openInNewFile(m.code, m.language));
      case 'openLink':
        return void (await openLink(m.url, this.deps.ui, this.deps.log));
      case 'removeAttachment':
        return this.deps.attachments.remove(m.id);
      case 'toggleCurrentFile':
        this.deps.attachments.includeCurrentFile = m.on;
        return this.postState();
      case 'toggleProblems':
        this.deps.attachments.includeProblems = m.on;
        return this.postState();
      case 'pickFile':
        return this.deps.attachments.pickFiles();
      case 'draftChanged':
        return this.drafts.set(this.conv.id, m.text);
      case 'selectModel':
        return this.deps.choice.set('chat', { server: m.server, model: m.model });
      case 'action':
        return this.action(m.id, m.messageId);
      default:
        return unhandled(m);
    }
  }

  /**
   * Sends a message. The draft and the attachments stay until the message is
   * saved; when it cannot be saved, nothing is sent, the text goes back into
   * the message box and the chat says why.
   */
  async send(text: string, attachmentIds?: string[]): Promise<void> {
    await this.ready;
    if (this.busy || !text.trim()) return;
    this.starting = true;
    try {
      await this.saver.retry();
      const { items, notes } = await this.deps.attachments.collect(attachmentIds);
      const conv = addMessage(
        await this.fresh(),
        { id: newId(), role: 'user', content: text, attachments: items.length ? items : undefined, created: Date.now() },
        Date.now(),
      );
      const saved = await this.saver.save(conv, 'your message', { keep: false });
      if (!saved) {
        this.drafts.set(this.conv.id, text);
        this.post({ type: 'draft', text });
        this.postState();
        return;
      }
      this.deps.attachments.consume(items);
      await this.drafts.clear(saved.id);
      await this.start(saved, notes);
    } finally {
      this.starting = false;
    }
  }

  /** Stops the reply in progress and waits until it is saved. */
  async stop(): Promise<void> {
    await this.responder.stop();
    await this.running;
  }

  async newChat(): Promise<void> {
    await this.ready;
    await this.stop();
    await this.saver.retry();
    if (this.conv.messages.length === 0) return this.postState();
    await this.dropIfEmpty();
    const created = await this.deps.history.create(this.conv.model).catch((err: unknown) => this.failed('start a new chat', err));
    if (created) this.conv = created;
    this.postState();
    this.post({ type: 'focus' });
  }

  async switchTo(id: string): Promise<void> {
    if (id === this.conv.id) return;
    await this.stop();
    await this.saver.retry();
    const conv = this.saver.pending(id) ?? (await this.deps.history.get(id));
    if (!conv) return this.postState();
    await this.dropIfEmpty();
    this.conv = markInterrupted(conv);
    await this.deps.history.setCurrent(id).catch((err: unknown) => this.deps.log.warn(`chat: ${String(err)}`));
    this.postState();
  }

  async deleteConversation(id: string): Promise<void> {
    const summary = this.deps.history.list().find((s) => s.id === id);
    if (!summary) return;
    const ok = await this.deps.ui.confirm(
      `Delete the chat "${summary.title}"?`,
      'It is removed from this computer; this cannot be undone.',
      'Delete',
    );
    if (!ok) return;
    if (id === this.conv.id) await this.stop();
    try {
      await this.deps.history.delete(id);
      if (id === this.conv.id) this.conv = await this.openLatest();
    } catch (err) {
      this.failed('delete the chat', err);
    }
    this.postState();
  }

  async exportConversation(id: string): Promise<vscode.Uri | undefined> {
    await this.deps.history.flush();
    const conv = id === this.conv.id ? this.conv : (this.saver.pending(id) ?? (await this.deps.history.get(id)));
    if (!conv) return undefined;
    return saveMarkdown(toMarkdown(conv), conv.title, this.deps.ui);
  }

  /** Picks up conversations other windows created or deleted. */
  async refresh(): Promise<void> {
    await this.ready;
    if (await this.deps.history.refresh()) this.postState();
  }

  /**
   * Before the window closes: stops the reply in progress (saved as
   * stopped), writes the draft and whatever could not be saved before, and
   * resolves when it is all on disk (or failed). `deactivate` waits for it.
   */
  async shutdown(): Promise<void> {
    await this.ready.catch(() => undefined);
    const draft = this.drafts.flush();
    await this.stop();
    await draft;
    await this.saver.flush();
  }

  dispose(): void {
    void this.responder.stop();
    void this.drafts.flush();
    this.posted.dispose();
  }

  post(message: HostToWebview): void {
    this.posted.fire(message);
  }

  private async load(): Promise<void> {
    const history = this.deps.history;
    await history.init();
    this.conv = await this.openLatest();
    this.postState();
  }

  /** The current conversation, else the most recent one, else a new one. */
  private async openLatest(): Promise<Conversation> {
    const history = this.deps.history;
    for (const id of [history.current, ...history.list().map((s) => s.id)]) {
      const conv = id ? await history.get(id) : undefined;
      if (!conv) continue;
      if (history.current !== conv.id) await history.setCurrent(conv.id);
      return markInterrupted(conv);
    }
    return history.create(this.deps.choice.get('chat'));
  }

  /** The current conversation as on disk when another window changed it since (re-read before write). */
  private async fresh(): Promise<Conversation> {
    if (this.saver.pending(this.conv.id)) return this.conv; // ours is newer than the disk
    const disk = await this.deps.history.get(this.conv.id);
    if (disk && disk.updated > this.conv.updated) this.conv = markInterrupted(disk);
    return this.conv;
  }

  private async rerun(change: (conv: Conversation) => Conversation | undefined): Promise<void> {
    if (this.busy) return;
    this.starting = true;
    try {
      await this.saver.retry();
      const conv = change(await this.fresh());
      const saved = conv && (await this.saver.save(conv, 'this chat'));
      if (saved) await this.start(saved, []);
    } finally {
      this.starting = false;
    }
  }

  /** Generates a reply to `conv` (already saved). Never rejects: a failed save is shown and retried later. */
  private async start(conv: Conversation, notes: string[]): Promise<void> {
    this.conv = conv;
    const run = this.responder.reply(conv, notes, (started) => {
      this.starting = false; // the responder is busy from here on
      this.conv = started;
      void this.saver.save(started, 'the reply');
      this.postState();
    });
    this.running = run.then(async (finished) => {
      if (this.conv.id === finished.id) this.conv = finished;
      const written = await this.saver.save(finished, 'the reply');
      if (written && this.conv.id === written.id) this.conv = written;
      this.postState();
    });
    await this.running;
  }

  /** A step that could not be done: said in the chat, logged; the controller carries on. */
  private failed(what: string, err: unknown): undefined {
    this.deps.log.warn(`chat: could not ${what}: ${String(err)}`);
    this.saver.report(`Hearth could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }

  private async action(id: string, messageId?: string): Promise<void> {
    if (id === 'retry') {
      const failed = this.conv.messages.find((m) => m.id === messageId && m.role === 'assistant');
      if (failed) return this.rerun((c) => regenerateFrom(c, failed.id, Date.now()));
      return;
    }
    const known: ErrorAction[] = ['openSettings', 'showLog', 'selectModel', 'setApiKey'];
    if (known.includes(id as ErrorAction)) {
      const server = this.deps.choice.get('chat')?.server;
      await runAction(id as ErrorAction, { serverName: server });
    }
  }

  /** Leaving an untouched new chat removes it, so the list does not fill with empty ones. */
  private async dropIfEmpty(): Promise<void> {
    await this.drafts.flush();
    if (this.conv.messages.length === 0 && !this.deps.history.draft(this.conv.id)) {
      await this.deps.history.delete(this.conv.id).catch((err: unknown) => this.deps.log.warn(`chat: ${String(err)}`));
    }
  }
}

/** A compile error when a message type of the protocol has no case above. */
function unhandled(m: never): void {
  throw new Error(`unhandled chat message ${JSON.stringify(m)}`);
}
