// Saving the chat without losing anything: a write that fails (a full disk,
// a file another program holds) is reported in the chat itself (the state's
// `problem`, shown with role=alert), the conversation is kept in memory and
// written again at the next save or before the window closes, and nothing
// that failed blocks what comes next.
import type { HistoryStore } from '../core/chat/history';
import type { Conversation } from '../core/chat/types';
import type { Logger } from '../core/types';

export class ChatSaver {
  /** Conversations whose last save failed, by id: written again by `retry`. */
  private readonly unsaved = new Map<string, Conversation>();
  private checkpointFailed = false;
  private current: string | undefined;

  constructor(
    private readonly history: HistoryStore,
    private readonly log: Logger,
    /** The problem to show in the chat changed (undefined: solved). */
    private readonly onProblem: () => void,
  ) {}

  /** What went wrong with saving and is not solved yet, in words. */
  get problem(): string | undefined {
    return this.current;
  }

  /** The version of a conversation that could not be saved yet, if any (newer than the one on disk). */
  pending(id: string): Conversation | undefined {
    return this.unsaved.get(id);
  }

  /**
   * Writes `conv`. Resolves with what was written (merged with another
   * window's turns), or undefined when the write failed: then the problem
   * is shown and `conv` is kept to be written again (unless `keep: false`:
   * a message that was not sent because it could not be saved).
   */
  async save(conv: Conversation, what: string, options: { keep?: boolean } = {}): Promise<Conversation | undefined> {
    try {
      const written = await this.history.save(conv);
      this.unsaved.delete(conv.id);
      if (this.unsaved.size === 0 && !this.checkpointFailed) this.set(undefined);
      return written;
    } catch (err) {
      this.log.warn(`chat: could not save ${what}: ${describe(err)}`);
      if (options.keep === false) {
        this.set(`Hearth could not save ${what} (${describe(err)}), so it was not sent; it is back in the message box.`);
      } else {
        this.unsaved.set(conv.id, conv);
        this.set(`Hearth could not save ${what} (${describe(err)}). It is kept here, and Hearth saves it again with your next step.`);
      }
      return undefined;
    }
  }

  /** Writes what failed before; true when nothing is left unsaved. */
  async retry(): Promise<boolean> {
    for (const conv of [...this.unsaved.values()]) await this.save(conv, 'this chat');
    return this.unsaved.size === 0;
  }

  /** Appends the reply's new text to its journal (crash safety while it streams); a failure is shown once. */
  checkpoint(convId: string, messageId: string, content: string, reasoning: string): void {
    this.history.checkpoint(convId, messageId, content, reasoning).then(
      () => {
        if (!this.checkpointFailed) return;
        this.checkpointFailed = false;
        if (this.unsaved.size === 0) this.set(undefined);
      },
      (err: unknown) => {
        this.log.warn(`chat: could not save the partial reply: ${describe(err)}`);
        if (this.checkpointFailed) return;
        this.checkpointFailed = true;
        this.set(`Hearth could not save the reply while it streams (${describe(err)}); it is kept here and saved when it ends.`);
      },
    );
  }

  /** Drafts: a failed write is shown (the text stays in the message box and in memory). */
  draftFailed(err: unknown): void {
    this.log.warn(`chat: could not save the draft: ${describe(err)}`);
    this.set(`Hearth could not save what you are typing (${describe(err)}); it stays in the message box.`);
  }

  /** Shows another failure of the history (cleared by the next save that works). */
  report(problem: string): void {
    this.set(problem);
  }

  /** Everything written that can be: the unsaved conversations, then whatever the history has queued. */
  async flush(): Promise<void> {
    await this.retry();
    await this.history.flush();
  }

  private set(problem: string | undefined): void {
    if (problem === this.current) return;
    this.current = problem;
    this.onProblem();
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') return 'the disk is full';
  if (e?.code === 'EPERM' || e?.code === 'EBUSY' || e?.code === 'EACCES') return `the file is locked or not writable, ${e.code}`;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}
