// When to look for servers again, so that a server started after VS Code (or
// restarted) is found without any command: at once when the window gains
// focus, when a request meets "connection refused" and on Retry; and, while
// something Hearth needs is missing and Hearth is in use, again and again
// with a growing wait. Nothing runs while the user is idle: a timer only
// fires into a refresh when `inUse()` still says so, and it is re-armed by
// the next sign of use.
import type { Logger } from '../types';

export interface RediscoveryOptions {
  /** Detects and discovers again; resolves when done (never rejects). */
  refresh(): Promise<unknown>;
  /** Something is missing: no server found, one down or loading, the chosen model's server absent. */
  wanted(): boolean;
  /** Hearth is in use right now (the window has focus and the chat is visible or the user typed lately). */
  inUse(): boolean;
  log: Logger;
  /** The first wait of the backoff; default 2 s. */
  firstDelayMs?: number;
  /** The longest wait; default 60 s. */
  maxDelayMs?: number;
  /** Focus changes closer together than this refresh once; default 5 s. */
  focusGapMs?: number;
  now?: () => number;
}

export type RediscoveryReason = 'focus' | 'refused' | 'retry';

export class Rediscovery {
  private timer?: ReturnType<typeof setTimeout>;
  private delay: number;
  private lastRun = Number.NEGATIVE_INFINITY;
  private running?: Promise<void>;
  private disposed = false;
  private readonly now: () => number;
  /** Refreshes run, by what started them (tests and the log). */
  readonly counts: Record<RediscoveryReason | 'backoff', number> = { focus: 0, refused: 0, retry: 0, backoff: 0 };

  constructor(private readonly options: RediscoveryOptions) {
    this.delay = this.first;
    this.now = options.now ?? Date.now;
  }

  private get first(): number {
    return this.options.firstDelayMs ?? 2000;
  }

  /** The wait before the next backoff refresh, when one is armed (tests). */
  get pendingDelayMs(): number | undefined {
    return this.timer === undefined ? undefined : this.delay;
  }

  /**
   * Looks again now (focus, connection refused, Retry) and restarts the
   * backoff. Focus changes in quick succession look once. Resolves when the
   * refresh is done.
   */
  async lookNow(reason: RediscoveryReason): Promise<void> {
    if (this.disposed) return;
    if (reason === 'focus' && this.now() - this.lastRun < (this.options.focusGapMs ?? 5000)) return this.running;
    this.delay = this.first;
    await this.run(reason);
    this.arm();
  }

  /** A sign of use (typing where completion is on, the chat shown or typed in): keep looking while something is missing. */
  activity(): void {
    if (this.disposed || this.timer !== undefined || this.running) return;
    this.arm();
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  private arm(): void {
    this.stop();
    if (this.disposed) return;
    if (!this.options.wanted()) {
      this.delay = this.first;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Idle: stop here; the next sign of use arms the timer again.
      if (!this.options.inUse() || !this.options.wanted()) return;
      void this.run('backoff').then(() => {
        this.delay = Math.min(this.delay * 2, this.options.maxDelayMs ?? 60_000);
        this.arm();
      });
    }, this.delay);
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(reason: RediscoveryReason | 'backoff'): Promise<void> {
    this.running ??= (async () => {
      this.lastRun = this.now();
      this.counts[reason]++;
      this.options.log.debug(`looking for servers again (${reason})`);
      try {
        await this.options.refresh();
      } catch (err) {
        this.options.log.warn(`looking for servers failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
