// The inline completion engine: document snapshot + cursor in, suggestion
// out. No VS Code here: an adapter feeds snapshots and shows results.
//
// The request policy keeps the server's work useful, measured against a real
// llama-server on a laptop-class CPU:
// - one flight at a time; a new request waits until the previous connection
//   is closed (on llama.cpp a cancelled request is held until its first token:
//   closing it earlier does not stop the prompt evaluation, see flight.ts);
// - a trigger whose position only extends a flight's position (the user typed
//   on) joins that flight instead of aborting it: its answer serves the new
//   position once it agrees with what was typed, and the flight is cancelled
//   as soon as it disagrees;
// - the editor giving up on a trigger (VS Code cancels on every keystroke)
//   does not cancel the flight; only a trigger elsewhere does;
// - a streaming answer is shown as soon as it has a complete line (or, for a
//   long line, after a moment), while the flight reads on; the fuller answer
//   replaces it when it is done (`onDidImprove`);
// - the prompt the server saw last stays a prefix of the next one (see
//   excerpt.ts), so each request evaluates only what changed;
// - prefetch only after a suggestion was accepted; warm-up when the extra
//   context changed and the user is idle.
import { type Event, Emitter } from '../events';
import { type Logger, nullLogger } from '../types';
import { CompletionCache } from './cache';
import { applySuggestion, buildExcerpt, type DocumentSnapshot, estimateTokens, shouldRequest, textAfterCursor } from './excerpt';
import type { Flight, Prepared } from './flight';
import { Flights } from './flights';
import { type CompletionOutcome, type CompletionSettings, DEFAULT_SETTINGS, type EngineConfig, type EngineOptions } from './options';
import { agrees, showable, typedSince } from './positions';
import { postprocess } from './postprocess';
import { type ExtraChunk, ExtraRing, extraBudget, IdleTimer, warmupDue } from './ring';
import { Scheduler } from './scheduler';
import { ServerSpeed } from './speed';
import { addToTotals, emptyTotals, type CompletionStats, type EngineTotals, type MissReason } from './stats';

export * from './options';

/** Where a better suggestion became available (the adapter asks the editor again if the cursor is still there). */
export interface ImprovedAt {
  fileName: string;
  line: number;
  character: number;
}

function elapsed(since: number): number {
  return performance.now() - since;
}

export class CompletionEngine {
  private readonly config: EngineConfig & { settings: CompletionSettings };
  readonly ring: ExtraRing;
  readonly cache = new CompletionCache();
  readonly scheduler: Scheduler;
  readonly speed = new ServerSpeed();
  readonly totals: EngineTotals = emptyTotals();
  /** Why the latest trigger ended without a suggestion (for the status bar). */
  lastMiss?: { reason: MissReason; message: string; at: number };
  private readonly flights: Flights;
  private readonly onStats?: (stats: CompletionStats) => void;
  private readonly log: Logger;
  private readonly improved = new Emitter<ImprovedAt>();
  readonly onDidImprove: Event<ImprovedAt> = this.improved.event;
  private nextId = 1;
  private last?: Prepared;
  private lastShown?: { p: Prepared; text: string };
  /** Where the prefix started last, per document (see ExcerptOptions.anchor). */
  private readonly anchors = new Map<string, number>();
  private warmedVersion = 0;
  private readonly idleTimer = new IdleTimer(() => this.maybeWarmup());
  private disposed = false;
  /** The adapter reports edits (noteEdit): the rhythm comes from them, not from the editor's triggers. */
  private editsReported = false;

  constructor(options: EngineOptions) {
    this.config = { ...options, settings: { ...DEFAULT_SETTINGS, ...options.settings } };
    this.ring = options.ring ?? new ExtraRing();
    this.scheduler = new Scheduler({
      // A closed llama.cpp stream frees the slot at the server's next token.
      settleMs: () => (options.holdUntilFirstToken ? Math.min(400, Math.max(30, 2 * (this.speed.genMsPerToken ?? 15))) : 0),
      ...options.scheduler,
    });
    this.onStats = options.onStats;
    this.log = options.log ?? nullLogger;
    this.flights = new Flights({
      config: this.config,
      speed: this.speed,
      log: this.log,
      store: (p, text) => this.cache.set(this.config.model, p.prefix, p.after, text),
      emit: (s) => this.emit(s),
    });
  }

  get settings(): Readonly<CompletionSettings> {
    return this.config.settings;
  }

  /** Resolves when no request is open (tests, benchmarks). */
  async idle(): Promise<void> {
    for (let open = this.scheduler.current; open; open = this.scheduler.current) await open.closed;
  }

  /**
   * The user typed (an edit in the active editor, when it happened): the
   * typing rhythm and the debounce count from the keystroke itself, and an
   * open request whose answer disagrees with the new text is cancelled.
   */
  noteEdit(at = Date.now()): void {
    if (this.disposed) return;
    this.editsReported = true;
    this.scheduler.noteKeystroke(at);
    this.noteActivity();
  }

  /** Any edit or cursor move: the user is not idle. */
  noteActivity(): void {
    if (!this.disposed && this.config.backend.warmup) this.idleTimer.touch(true, this.settings.warmupIdleMs);
  }

  /** The extra-context ring changed: warm up once the user is idle. */
  ringChanged(): void {
    if (!this.disposed && this.config.backend.warmup) this.idleTimer.touch(false, this.settings.warmupIdleMs);
  }

  /** The user accepted the suggestion shown last: fetch the one that follows it, in the background. */
  accepted(): void {
    this.totals.accepted++;
    this.noteActivity();
    const shown = this.lastShown;
    this.lastShown = undefined;
    if (shown && this.settings.prefetch) void this.prefetchAfter(shown.p.doc, shown.text);
  }

  /**
   * The suggestion for `doc`'s cursor. `signal`: the editor gave up on this
   * trigger (the flight serving it goes on). `delayMs` replaces the adaptive
   * debounce (0 for an explicit trigger).
   */
  async complete(doc: DocumentSnapshot, signal?: AbortSignal, options: { delayMs?: number } = {}): Promise<CompletionOutcome> {
    const began = performance.now();
    this.totals.triggers++;
    if (!this.editsReported) this.scheduler.noteKeystroke();
    this.noteActivity();
    const check = shouldRequest(doc, this.settings.rightOfCursor);
    if (!check.ok) {
      this.totals.skipped++;
      return { reason: check.message };
    }
    const p = this.prepare(doc, began);
    const cached = this.fromCache(p, began);
    if (cached) return cached;
    this.last = p;
    const open = this.scheduler.current;
    if (open?.live) {
      const typed = typedSince(open.position, p);
      if (typed !== undefined && open.kind !== 'warmup') {
        const joined = await this.watch(open, p, typed, signal);
        if (joined !== 'diverged') return joined === 'gone' ? this.superseded() : joined;
      } else open.cancel('the cursor moved elsewhere');
    }
    const id = this.nextId++;
    const triggeredAt = Date.now();
    const turn = await this.scheduler.turn(p.key, { signal, delayMs: options.delayMs });
    if (turn !== 'go') {
      if (turn === 'superseded')
        this.emit({
          id,
          kind: 'completion',
          model: this.config.model,
          backend: this.config.backend.kind,
          outcome: 'superseded',
          fromCache: false,
          aborted: false,
        });
      return this.miss(
        turn === 'cancelled' ? 'cancelled' : 'superseded',
        turn === 'cancelled' ? 'Cancelled.' : 'Replaced by a newer request.',
      );
    }
    const late = this.fromCache(p, began);
    if (late) return late;
    this.totals.requests++;
    const flight = this.flights.send(id, 'completion', p, triggeredAt);
    this.scheduler.launch(flight);
    flight.onUpdate(() => this.dropIfStale(flight));
    const outcome = await this.watch(flight, p, '', signal);
    return typeof outcome === 'string' ? this.superseded() : outcome;
  }

  /**
   * A flight no trigger watches any more (the editor gave up on it) still
   * answers the latest position it can lead to; once its text disagrees with
   * what was typed since, no one will use it: cancel it at once.
   */
  private dropIfStale(flight: Flight): void {
    const latest = this.last;
    if (!flight.live || !latest || latest === flight.position) return;
    const typed = typedSince(flight.position, latest);
    if (typed !== undefined && !agrees(flight.text, typed)) flight.cancel('the answer disagrees with what was typed');
  }

  private superseded(): CompletionOutcome {
    return this.miss('superseded', 'Replaced by a newer request.');
  }

  private fromCache(p: Prepared, began: number): CompletionOutcome | undefined {
    const hit = this.cache.lookup(this.config.model, p.prefix, p.after);
    if (!hit) return undefined;
    const open = this.scheduler.current;
    // A flight for a position this one cannot lead to is stale (a prefetch for the position typing leads to is not).
    if (open?.live && open.kind === 'completion' && typedSince(p, open.position) === undefined) open.cancel('served from the cache');
    const outcome = hit.typed > 0 ? 'typed' : 'cache';
    this.emit({
      id: 0,
      kind: 'completion',
      model: this.config.model,
      backend: this.config.backend.kind,
      outcome,
      fromCache: true,
      aborted: false,
      overheadMs: elapsed(began),
    });
    if (!hit.text) return this.miss('empty', 'The model had nothing to add here (cached).');
    this.lastShown = { p, text: hit.text };
    return { suggestion: { text: hit.text, source: hit.typed > 0 ? 'typed' : 'cache' } };
  }

  /**
   * Waits on `flight` for position `p` (`typed` since the flight's own
   * position) until it has something to show. 'diverged' when the flight's
   * answer disagrees with what was typed (the caller sends a new request),
   * 'gone' when it was cancelled for a newer trigger.
   */
  private watch(flight: Flight, p: Prepared, typed: string, signal?: AbortSignal): Promise<CompletionOutcome | 'diverged' | 'gone'> {
    return new Promise((resolve) => {
      let done = false;
      let partialTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: CompletionOutcome | 'diverged' | 'gone') => {
        if (done) return;
        done = true;
        sub.dispose();
        signal?.removeEventListener('abort', onAbort);
        if (partialTimer !== undefined) clearTimeout(partialTimer);
        resolve(outcome);
      };
      const show = (text: string, partial: boolean): CompletionOutcome | undefined => {
        const post = postprocess(text, { ...p.excerpt, indent: p.doc.indent }, { maxLines: this.settings.maxLines });
        if (!post.text) return partial ? undefined : this.miss('empty', `Nothing to show (${post.dropped ?? 'empty'}).`);
        flight.shownChars = Math.max(flight.shownChars, typed.length + text.length);
        this.lastShown = { p, text: post.text };
        if (partial) void flight.closed.then(() => this.improve(flight, p, post.text));
        return { suggestion: { text: post.text, source: typed ? 'typed' : 'server' } };
      };
      const check = () => {
        if (done) return;
        const text = flight.text;
        if (!agrees(text, typed)) {
          flight.cancel('the answer disagrees with what was typed');
          return finish('diverged');
        }
        const rest = text.slice(typed.length);
        if (flight.state === 'failed') return finish({ error: flight.error, reason: flight.error?.message ?? 'The request failed.' });
        if (flight.state === 'cancelled') return finish('gone');
        if (flight.state === 'done') return finish(show(rest, false) ?? this.miss('empty', 'Nothing to show.'));
        if (flight.state === 'generating' && partialTimer === undefined && flight.firstTokenAt !== undefined) {
          const wait = this.settings.partialAfterMs - (Date.now() - flight.firstTokenAt);
          partialTimer = setTimeout(check, Math.max(0, wait));
        }
        const partial = flight.firstTokenAt !== undefined && Date.now() - flight.firstTokenAt >= this.settings.partialAfterMs;
        const ready = showable(rest, partial);
        if (ready !== undefined) {
          const outcome = show(ready, true);
          if (outcome) finish(outcome);
        }
      };
      const onAbort = () =>
        finish(
          this.miss(
            flight.state === 'waiting' ? 'evaluating' : 'generating',
            flight.state === 'waiting' ? 'The server was still reading the prompt.' : 'The answer was still being generated.',
          ),
        );
      const sub = flight.onUpdate(check);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /** A flight whose first lines were shown has ended with more: tell the adapter if the suggestion grew. */
  private improve(flight: Flight, p: Prepared, shown: string): void {
    if (this.disposed || flight.state !== 'done') return;
    const full = this.cache.get(this.config.model, p.prefix, p.after);
    if (full && full !== shown && full.startsWith(shown))
      this.improved.fire({ fileName: p.doc.fileName, line: p.doc.line, character: p.doc.character });
  }

  private miss(reason: MissReason, message: string): CompletionOutcome {
    this.lastMiss = { reason, message, at: Date.now() };
    return { reason: message };
  }

  private prepare(doc: DocumentSnapshot, began = performance.now()): Prepared {
    const s = this.settings;
    const cpt = this.speed.charsPerToken;
    const extra = this.selectExtra(doc.fileName, cpt);
    const extraTokens = extra.reduce((n, c) => n + estimateTokens(c.text, cpt) + 4, 0);
    const excerpt = buildExcerpt(doc, {
      prefixLines: s.prefixLines,
      suffixLines: s.suffixLines,
      prefixStep: s.prefixStep,
      nBatch: s.nBatch,
      nPredict: s.nPredict,
      nCtx: this.config.nCtx,
      charsPerToken: cpt,
      extraTokens,
      maxSuffixTokens: this.speed.suffixTokens(s.suffixMs, s.minSuffixTokens),
      anchor: this.anchors.get(doc.fileName),
    });
    this.anchors.set(doc.fileName, excerpt.prefixStartLine);
    if (this.anchors.size > 64) this.anchors.delete(this.anchors.keys().next().value as string);
    const prefix = excerpt.inputPrefix + excerpt.prompt;
    const after = textAfterCursor(doc, 256);
    const chars = prefix.length + excerpt.suffix.length + extra.reduce((n, c) => n + c.text.length, 0);
    return { doc, excerpt, extra, prefix, after, chars, key: this.cache.key(this.config.model, prefix, after), overheadMs: elapsed(began) };
  }

  private selectExtra(fileName: string, cpt: number): ExtraChunk[] {
    const { backend, template, nCtx, settings } = this.config;
    if (!settings.extraContext) return [];
    if (backend.kind === 'infill') return this.ring.select(extraBudget(nCtx, settings.nBatch), cpt, fileName);
    if (!template?.repoLevel) return [];
    return this.ring.select(Math.min(1024, nCtx ? Math.floor(nCtx / 4) : 1024), cpt, fileName);
  }

  /** Fetches, in the background, the suggestion that follows accepting `text`. */
  private async prefetchAfter(doc: DocumentSnapshot, text: string): Promise<void> {
    if (this.disposed || this.scheduler.busy) return;
    const p = this.prepare(applySuggestion(doc, text));
    if (this.cache.get(this.config.model, p.prefix, p.after) !== undefined) return;
    const id = this.nextId++;
    const at = Date.now();
    if ((await this.scheduler.turn(p.key, { background: true })) !== 'go' || this.disposed) return;
    this.totals.requests++;
    this.totals.prefetches++;
    this.scheduler.launch(this.flights.send(id, 'prefetch', p, at));
  }

  private async maybeWarmup(): Promise<void> {
    const due = warmupDue({
      ringVersion: this.ring.version,
      warmedVersion: this.warmedVersion,
      idleForMs: this.idleTimer.idleForMs,
      idleMs: this.settings.warmupIdleMs,
      busy: this.scheduler.busy,
    });
    if (!due || !this.config.backend.warmup || !this.last || this.disposed) return;
    const version = this.ring.version;
    const p = this.prepare(this.last.doc);
    const id = this.nextId++;
    if ((await this.scheduler.turn(`warmup\u0000${version}`, { background: true })) !== 'go' || this.disposed) return;
    const flight = this.flights.warmup(id, p);
    if (!flight) return;
    this.totals.requests++;
    this.totals.warmups++;
    this.scheduler.launch(flight);
    // Not again for this ring, even when it failed: a server that refuses warm-ups should not get one per pause.
    void flight.closed.then(() => {
      if (flight.state !== 'cancelled') this.warmedVersion = version;
    });
  }

  private emit(stats: CompletionStats): void {
    addToTotals(this.totals, stats);
    try {
      this.onStats?.(stats);
    } catch (err) {
      this.log.error(err instanceof Error ? err : String(err));
    }
  }

  dispose(): void {
    this.disposed = true;
    this.idleTimer.dispose();
    this.scheduler.cancel('shut down');
    this.scheduler.current?.abort();
    this.improved.dispose();
  }
}
