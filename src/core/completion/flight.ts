// One streaming completion request, from sending it to the closing of its
// connection. Callers watch its text as it arrives; the engine may stop it
// early (enough text) or cancel it (no longer wanted).
//
// Cancelling is not the same on every server. llama.cpp notices a closed
// connection only when it writes a token: a request closed while the server
// still evaluates its prompt keeps the slot busy until the whole prompt is
// evaluated (measured on build 11669). Closing it early would only let the
// next request queue behind it (or take the other slot and the CPU). So on
// such a server a cancelled flight is held open until its first token and
// then closed: `closed` then says exactly when the server is free again, and
// the prompt it evaluated stays in the server's cache for the next request.
import { classify, type HearthError } from '../errors';
import { Emitter } from '../events';
import type { FimResult } from './backend';
import type { Excerpt } from './excerpt';
import type { DocumentSnapshot } from './excerpt';
import type { ExtraChunk } from './ring';
import type { RequestKind } from './stats';

/** A cursor position made ready for a request: the excerpt and the keys that identify it. */
export interface Prepared {
  doc: DocumentSnapshot;
  excerpt: Excerpt;
  extra: ExtraChunk[];
  /** The prefix the model sees: the excerpt's lines above plus the current line up to the cursor. */
  prefix: string;
  /** The document text right after the cursor (up to 256 characters), for keys. */
  after: string;
  key: string;
  /** Characters of everything sent (prefix, suffix, extra), for speed estimates. */
  chars: number;
  overheadMs: number;
}

export type FlightState = 'waiting' | 'generating' | 'done' | 'failed' | 'cancelled';

export interface FlightHooks {
  /** The text so far, after each streamed piece. */
  onText(text: string): void;
  /** Asked after each piece: true closes the stream and the run resolves with the text so far. */
  shouldStop(text: string): boolean;
}

export type FlightRun = (signal: AbortSignal, hooks: FlightHooks) => Promise<FimResult>;

export interface FlightOptions {
  /** Hold a cancelled flight open until its first token (llama.cpp): see above. */
  holdUntilFirstToken: boolean;
  /** Give up holding after this long (the server may never answer). */
  holdLimitMs: number;
  /** Stop reading once this says the text is enough (e.g. more lines than can be shown). */
  enough?: (text: string) => boolean;
  now?: () => number;
}

export class Flight {
  state: FlightState = 'waiting';
  text = '';
  readonly sentAt: number;
  firstTokenAt?: number;
  closedAt?: number;
  result?: FimResult;
  error?: HearthError;
  /** Why the engine cancelled it. */
  cancelReason?: string;
  /** Characters of its text that some caller showed as ghost text. */
  shownChars = 0;
  /** Resolves when the connection is closed (finished, failed or cancelled); never rejects. */
  readonly closed: Promise<void>;
  private readonly controller = new AbortController();
  private readonly updated = new Emitter<Flight>();
  /** Fires on every new piece of text and when the flight ends. */
  readonly onUpdate = this.updated.event;
  private holdTimer?: ReturnType<typeof setTimeout>;
  private readonly now: () => number;

  constructor(
    readonly id: number,
    readonly kind: RequestKind,
    readonly position: Prepared,
    run: FlightRun,
    private readonly options: FlightOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.sentAt = this.now();
    const hooks: FlightHooks = {
      onText: (text) => {
        if (this.firstTokenAt === undefined) this.firstTokenAt = this.now();
        if (this.state === 'waiting') this.state = 'generating';
        this.text = text;
        this.updated.fire(this);
      },
      shouldStop: (text) => this.state === 'cancelled' || !!this.options.enough?.(text),
    };
    this.closed = run(this.controller.signal, hooks).then(
      (result) => {
        this.result = result;
        this.text = result.text;
        if (this.state !== 'cancelled') this.state = 'done';
      },
      (err: unknown) => {
        if (this.state !== 'cancelled') {
          this.error = classify(err);
          this.state = this.error.code === 'aborted' ? 'cancelled' : 'failed';
        }
      },
    );
    this.closed = this.closed.then(() => {
      this.closedAt = this.now();
      if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
      this.updated.fire(this);
      this.updated.dispose();
    });
  }

  /** Still working for someone: not finished, failed or cancelled. */
  get live(): boolean {
    return this.state === 'waiting' || this.state === 'generating';
  }

  get open(): boolean {
    return this.closedAt === undefined;
  }

  /** Milliseconds from sending to the first token, once it came. */
  get waitedMs(): number | undefined {
    return this.firstTokenAt === undefined ? undefined : this.firstTokenAt - this.sentAt;
  }

  /**
   * No one needs this flight any more. It stops at once while generating;
   * while the server still evaluates the prompt it is held (see above).
   */
  cancel(reason: string): void {
    if (!this.live) return;
    const waiting = this.state === 'waiting';
    this.state = 'cancelled';
    this.cancelReason = reason;
    if (waiting && this.options.holdUntilFirstToken) {
      this.holdTimer = setTimeout(() => this.controller.abort(), this.options.holdLimitMs);
      return;
    }
    this.controller.abort();
  }

  /** Stops it now, whatever the server does with it (the engine is shutting down). */
  abort(): void {
    if (this.live) {
      this.state = 'cancelled';
      this.cancelReason ??= 'shut down';
    }
    this.controller.abort();
  }
}
