// When a completion request may go to the server. At most ONE flight is
// open at a time: a new request waits until the previous one's connection is
// closed (a cancelled llama.cpp request is held until its first token, see
// flight.ts), and only the newest trigger waits: a newer one supersedes it.
// The debounce before a request follows the user's typing rhythm: a little
// longer than the usual gap between their keystrokes, so requests go out
// when they stop, not between two keys (a request sent between two keys is
// mostly wasted server work), and longer again on a server too slow to
// answer between two keys, within [`minDelayMs`, `maxDelayMs`]. It counts
// from the keystroke itself, not from when the editor asks (VS Code asks
// after a debounce of its own).
import type { Flight } from './flight';

export interface SchedulerOptions {
  minDelayMs: number;
  maxDelayMs: number;
  /** Debounce before the typing rhythm is known. */
  defaultDelayMs: number;
  /** Weight of a new sample in the moving averages. */
  alpha: number;
  /** Gaps between keystrokes longer than this are pauses, not rhythm. */
  pauseMs: number;
  /** The debounce, in typical keystroke gaps. */
  rhythmFactor: number;
  /**
   * The debounce, in keystroke gaps, on a server whose first token takes
   * longer than two gaps: a request sent between two keys there cannot show
   * anything before the next key, and cancelling it still costs the prompt
   * it started to read (llama.cpp holds the slot until its first token).
   */
  slowRhythmFactor: number;
  /**
   * How long the server may still be busy after Hearth closed a flight while it
   * generated (llama.cpp notices at its next token): the next request waits
   * that long, so that it finds its own slot (and its cache) free instead of
   * taking another, empty one.
   */
  settleMs: () => number;
  now: () => number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  minDelayMs: 0,
  maxDelayMs: 300,
  defaultDelayMs: 80,
  alpha: 0.3,
  pauseMs: 1500,
  rhythmFactor: 1.25,
  slowRhythmFactor: 2.5,
  settleMs: () => 0,
  now: () => Date.now(),
};

/** What became of a wait for a turn. */
export type Turn = 'go' | 'superseded' | 'cancelled';

export interface TurnOptions {
  /** Debounce for this trigger; the adaptive one when omitted. */
  delayMs?: number;
  /** The caller's cancellation (e.g. VS Code's token): stops waiting. */
  signal?: AbortSignal;
  /** Background work (prefetch, warm-up): only when nothing else waits or runs. */
  background?: boolean;
}

interface Waiting {
  key: string;
  background: boolean;
  settle(turn: Turn): void;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export class Scheduler {
  private readonly opts: SchedulerOptions;
  private latency?: number;
  private rhythm?: number;
  private lastKeystroke?: number;
  private waiting?: Waiting;
  private flight?: Flight;

  constructor(options: Partial<SchedulerOptions> = {}) {
    this.opts = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
  }

  /** Moving average of the server's time to first token (ms), once measured (for the status bar). */
  get latencyMs(): number | undefined {
    return this.latency;
  }

  /** Moving average of the gap between keystrokes (ms), once measured. */
  get rhythmMs(): number | undefined {
    return this.rhythm;
  }

  /** The flight whose connection is open, if any (a cancelled one may still be held open). */
  get current(): Flight | undefined {
    return this.flight?.open ? this.flight : undefined;
  }

  /** Something waits for a turn or a flight is open. */
  get busy(): boolean {
    return !!this.waiting || !!this.current;
  }

  noteKeystroke(at = this.opts.now()): void {
    if (this.lastKeystroke !== undefined) {
      const gap = at - this.lastKeystroke;
      if (gap > 0 && gap <= this.opts.pauseMs) {
        this.rhythm = this.rhythm === undefined ? gap : this.rhythm + this.opts.alpha * (gap - this.rhythm);
      }
    }
    this.lastKeystroke = at;
  }

  recordLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.latency = this.latency === undefined ? ms : this.latency + this.opts.alpha * (ms - this.latency);
  }

  /** The debounce the next trigger gets. */
  delayMs(): number {
    const o = this.opts;
    if (this.rhythm === undefined) return Math.round(clamp(o.defaultDelayMs, o.minDelayMs, o.maxDelayMs));
    const slow = this.latency !== undefined && this.latency > 2 * this.rhythm;
    const delay = this.rhythm * (slow ? o.slowRhythmFactor : o.rhythmFactor);
    return Math.round(clamp(delay, o.minDelayMs, o.maxDelayMs));
  }

  /** What is left of the debounce, counted from the last keystroke. */
  remainingDelayMs(): number {
    const delay = this.delayMs();
    const since = this.lastKeystroke === undefined ? 0 : this.opts.now() - this.lastKeystroke;
    return Math.max(0, delay - Math.max(0, since));
  }

  /**
   * Waits the debounce, then until no flight is open; resolves 'go' when the
   * caller may send now (it must call `launch` before awaiting anything),
   * 'superseded' when a newer trigger came first, 'cancelled' when `signal`
   * fired. A foreground wait cancels the open flight (the engine tried to use
   * it before asking); a background one gives up when anything else is busy.
   */
  async turn(key: string, options: TurnOptions = {}): Promise<Turn> {
    const background = !!options.background;
    if (background && this.busy) return 'superseded';
    if (this.waiting) this.waiting.settle('superseded');
    let settle!: (turn: Turn) => void;
    const decided = new Promise<Turn>((resolve) => (settle = resolve));
    const waiting: Waiting = { key, background, settle: (t) => settle(t) };
    this.waiting = waiting;
    const signal = options.signal;
    const onAbort = () => waiting.settle('cancelled');
    if (signal?.aborted) waiting.settle('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const delay = options.delayMs ?? (background ? 0 : this.remainingDelayMs());
    const timer = delay > 0 ? setTimeout(() => void this.proceed(waiting), delay) : undefined;
    if (timer === undefined) void this.proceed(waiting);
    try {
      return await decided;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (this.waiting === waiting) this.waiting = undefined;
    }
  }

  /** The flight that was just sent after a 'go'. */
  launch(flight: Flight): void {
    this.flight = flight;
    void flight.closed.then(() => {
      if (flight.state === 'done' && flight.waitedMs !== undefined) this.recordLatency(flight.waitedMs);
    });
  }

  /** Cancels what waits and the open flight. */
  cancel(reason = 'cancelled'): void {
    this.waiting?.settle('superseded');
    this.flight?.cancel(reason);
  }

  private async proceed(waiting: Waiting): Promise<void> {
    for (;;) {
      if (this.waiting !== waiting) return;
      const open = this.current;
      if (!open) break;
      if (waiting.background) return waiting.settle('superseded');
      if (open.live) {
        // A request overtaken before its first token says the server is at least that slow.
        const ran = this.opts.now() - open.sentAt;
        if (open.state === 'waiting' && (this.latency === undefined || ran > this.latency)) this.recordLatency(ran);
        open.cancel('superseded');
      }
      await open.closed;
      const early = open.state === 'cancelled' || open.result?.stop === 'client';
      const settle = early && open.firstTokenAt !== undefined ? this.opts.settleMs() : 0;
      if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle));
    }
    if (this.waiting === waiting) waiting.settle('go');
  }
}
