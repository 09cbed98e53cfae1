// The unsent text of each conversation: kept in memory at once, written to
// the history a moment after the typing stops (and on flush), so that a
// reload loses nothing and keystrokes do not each cost a disk write. A draft
// is cleared only once the message it became is saved.
import type { HistoryStore } from '../core/chat/history';

const DELAY_MS = 300;

export class DraftSaver {
  private pending: { id: string; text: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly history: HistoryStore,
    /** A draft could not be written (it stays in memory and in the message box). */
    private readonly onError: (err: unknown) => void,
  ) {}

  get(id: string): string {
    return this.pending?.id === id ? this.pending.text : this.history.draft(id);
  }

  set(id: string, text: string): void {
    if (this.pending && this.pending.id !== id) void this.flush();
    this.pending = { id, text };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DELAY_MS);
  }

  /** The message was sent and saved: its draft is gone. */
  async clear(id: string): Promise<void> {
    if (this.pending?.id === id) {
      clearTimeout(this.timer);
      this.pending = undefined;
    }
    await this.history.setDraft(id, '').catch(this.onError);
  }

  /** Writes the pending draft now; resolves when it (and any earlier draft write) is on disk or failed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    const draft = this.pending;
    this.pending = undefined;
    if (draft) this.writing = this.writing.then(() => this.history.setDraft(draft.id, draft.text).catch(this.onError));
    return this.writing;
  }
}
