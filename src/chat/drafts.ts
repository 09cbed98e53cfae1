// The unsent text of each conversation: kept in memory at once, written to
// the history a moment after the typing stops (and on flush), so that a
// reload loses nothing and keystrokes do not each cost a disk write.
import type { HistoryStore } from '../core/chat/history';
import type { Logger } from '../core/types';

const DELAY_MS = 300;

export class DraftSaver {
  private pending: { id: string; text: string } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: HistoryStore,
    private readonly log: Logger,
  ) {}

  get(id: string): string {
    return this.pending?.id === id ? this.pending.text : this.history.draft(id);
  }

  set(id: string, text: string): void {
    if (this.pending && this.pending.id !== id) this.flush();
    this.pending = { id, text };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DELAY_MS);
  }

  /** The message was sent: its draft is gone. */
  async clear(id: string): Promise<void> {
    if (this.pending?.id === id) {
      clearTimeout(this.timer);
      this.pending = undefined;
    }
    await this.history.setDraft(id, '');
  }

  flush(): void {
    clearTimeout(this.timer);
    const draft = this.pending;
    this.pending = undefined;
    if (draft) void this.history.setDraft(draft.id, draft.text).catch((err) => this.log.warn(`could not save the draft: ${String(err)}`));
  }
}
