// Request discipline for inline completion: at most ONE request in flight; a
// trigger for another position supersedes a waiting one and aborts a running
// one at once; a trigger for the same position joins it. The debounce adapts
// to the measured server latency and the user's typing rhythm: near zero when
// the server answers in tens of milliseconds (a wasted request costs little),
// close to the typical gap between keystrokes when it is slow (so requests go
// out in pauses), and never above `maxDelayMs`.

export interface SchedulerOptions {
  minDelayMs: number;
  maxDelayMs: number;
  /** Debounce before any latency was measured. */
  defaultDelayMs: number;
  /** Server latency at or below which there is no debounce. */
  fastMs: number;
  /** Server latency at or above which the full typing-based debounce applies. */
  slowMs: number;
  /** Weight of a new sample in the moving averages. */
  alpha: number;
  /** Gaps between keystrokes longer than this are pauses, not rhythm. */
  pauseMs: number;
  /**
   * Debounce for a slow server, in typical keystroke gaps: long enough that
   * few gaps within a word exceed it (a request sent then is aborted by the
   * next key, and llama.cpp only notices between prompt batches).
   */
  rhythmFactor: number;
  now: () => number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  minDelayMs: 0,
  maxDelayMs: 300,
  defaultDelayMs: 80,
  fastMs: 40,
  slowMs: 250,
  alpha: 0.3,
  pauseMs: 1500,
  rhythmFactor: 1.25,
  now: () => Date.now(),
};

export type Outcome<T> =
  { status: 'done'; value: T; delayMs: number } | { status: 'superseded' } | { status: 'aborted' } | { status: 'failed'; error: unknown };

export interface ScheduleOptions {
  /** Debounce for this call; the adaptive one when omitted. */
  delayMs?: number;
  /** The caller's cancellation (e.g. VS Code's token). */
  signal?: AbortSignal;
  /** A prefetch: runs only when nothing else waits or runs, and never aborts anything. */
  background?: boolean;
}

interface Job {
  key: string;
  background: boolean;
  promise: Promise<Outcome<unknown>>;
  settle(outcome: Outcome<unknown>): void;
  settled: boolean;
  timer?: ReturnType<typeof setTimeout>;
  controller?: AbortController;
  /** When the task started running. */
  began?: number;
  /** Callers waiting on this job; an external abort stops the job only when it is the last. */
  waiters: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export class Scheduler {
  private readonly opts: SchedulerOptions;
  private latency?: number;
  private rhythm?: number;
  private lastKeystroke?: number;
  private pending?: Job;
  private running?: Job;

  constructor(options: Partial<SchedulerOptions> = {}) {
    this.opts = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
  }

  /** Moving average of server latency (ms), once measured. */
  get latencyMs(): number | undefined {
    return this.latency;
  }

  /** Moving average of the gap between keystrokes (ms), once measured. */
  get rhythmMs(): number | undefined {
    return this.rhythm;
  }

  get busy(): boolean {
    return !!this.pending || !!this.running;
  }

  /** The key of the request in flight, if any. */
  get runningKey(): string | undefined {
    return this.running?.key;
  }

  /** Whether the request in flight is background work (a prefetch or warm-up). */
  get runningBackground(): boolean {
    return !!this.running?.background;
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
    if (this.latency === undefined) return clamp(o.defaultDelayMs, o.minDelayMs, o.maxDelayMs);
    const weight = clamp((this.latency - o.fastMs) / Math.max(1, o.slowMs - o.fastMs), 0, 1);
    const typing = this.rhythm !== undefined ? this.rhythm * o.rhythmFactor : o.maxDelayMs / 2;
    return Math.round(clamp(weight * typing, o.minDelayMs, o.maxDelayMs));
  }

  /**
   * Runs `task` after the debounce unless a newer trigger comes first.
   * Resolves with 'superseded' when replaced while waiting, 'aborted' when
   * aborted while running (at once, without waiting for the task to notice).
   */
  schedule<T>(key: string, task: (signal: AbortSignal) => Promise<T>, options: ScheduleOptions = {}): Promise<Outcome<T>> {
    const background = !!options.background;
    const same = this.running?.key === key ? this.running : this.pending?.key === key ? this.pending : undefined;
    if (same && !background) {
      same.waiters++;
      same.background = false;
      return this.watch(same, options.signal) as Promise<Outcome<T>>;
    }
    if (background && this.busy) return Promise.resolve({ status: 'superseded' });

    if (this.pending) this.finish(this.pending, { status: 'superseded' });
    if (this.running) this.abortJob(this.running);

    let settle!: (o: Outcome<unknown>) => void;
    const promise = new Promise<Outcome<unknown>>((resolve) => (settle = resolve));
    const job: Job = { key, background, promise, settle, settled: false, waiters: 1 };
    this.pending = job;
    const delay = options.delayMs ?? (background ? 0 : this.delayMs());
    const start = () => {
      job.timer = undefined;
      if (this.pending !== job) return;
      this.pending = undefined;
      this.running = job;
      const controller = new AbortController();
      job.controller = controller;
      const began = this.opts.now();
      job.began = began;
      task(controller.signal).then(
        (value) => {
          if (job.settled) return;
          this.recordLatency(this.opts.now() - began);
          this.finish(job, { status: 'done', value, delayMs: delay });
        },
        (error: unknown) => {
          if (job.settled) return;
          this.finish(job, controller.signal.aborted ? { status: 'aborted' } : { status: 'failed', error });
        },
      );
    };
    if (delay <= 0) start();
    else job.timer = setTimeout(start, delay);
    return this.watch(job, options.signal) as Promise<Outcome<T>>;
  }

  /** Cancels what waits and aborts what runs. */
  cancel(): void {
    if (this.pending) this.finish(this.pending, { status: 'superseded' });
    if (this.running) this.abortJob(this.running);
  }

  private watch(job: Job, signal: AbortSignal | undefined): Promise<Outcome<unknown>> {
    if (!signal) return job.promise;
    if (signal.aborted) return this.leave(job);
    return new Promise((resolve) => {
      const onAbort = () => resolve(this.leave(job));
      signal.addEventListener('abort', onAbort, { once: true });
      void job.promise.then((o) => {
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      });
    });
  }

  /** A caller gave up on `job`: the job stops when no one else waits for it. */
  private leave(job: Job): Promise<Outcome<unknown>> {
    job.waiters--;
    if (job.waiters <= 0 && !job.settled) {
      if (job === this.pending) this.finish(job, { status: 'aborted' });
      else if (job === this.running) this.abortJob(job);
    }
    return Promise.resolve({ status: 'aborted' });
  }

  private abortJob(job: Job): void {
    if (job.controller && job.began !== undefined) {
      // A request aborted after running longer than the server's usual
      // latency says the server is at least that slow (a censored sample):
      // without this, a slow server whose requests are always overtaken
      // would keep the short debounce that causes the overtaking.
      const ran = this.opts.now() - job.began;
      if (this.latency === undefined || ran > this.latency) this.recordLatency(ran);
    }
    job.controller?.abort();
    this.finish(job, { status: 'aborted' });
  }

  private finish(job: Job, outcome: Outcome<unknown>): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.timer = undefined;
    if (this.pending === job) this.pending = undefined;
    if (this.running === job) this.running = undefined;
    if (job.settled) return;
    job.settled = true;
    job.settle(outcome);
  }
}
