// The inline completion engine: document snapshot + cursor in, suggestion
// out. Checks whether a request makes sense, builds a cache-friendly context,
// answers from the cache (typed-through too), otherwise sends one debounced,
// single-flight request, post-processes it and reports per-request stats.
// After a suggestion it prefetches the one that follows accepting it, and
// when the extra context changed and the user is idle it warms the server's
// prompt cache up. No VS Code here: an adapter feeds snapshots and shows results.
import { classify, isHearthError } from '../errors';
import { type Logger, nullLogger } from '../types';
import type { FimRequest } from './backend';
import { CompletionCache } from './cache';
import {
  applySuggestion,
  buildExcerpt,
  type DocumentSnapshot,
  estimateTokens,
  type Excerpt,
  shouldRequest,
  textAfterCursor,
} from './excerpt';
import { type CompletionOutcome, type CompletionSettings, DEFAULT_SETTINGS, type EngineConfig, type EngineOptions } from './options';
import { postprocess } from './postprocess';
import { type ExtraChunk, ExtraRing, extraBudget, IdleTimer, warmupDue } from './ring';
import { Scheduler } from './scheduler';
import { ServerSpeed } from './speed';
import { addToTotals, emptyTotals, type EngineTotals, type RequestKind, type CompletionStats } from './stats';

export * from './options';

interface Prepared {
  doc: DocumentSnapshot;
  ctx: Excerpt;
  extra: ExtraChunk[];
  prefix: string;
  /** The document text right after the cursor, for cache keys (independent of the suffix budget). */
  after: string;
  key: string;
  overheadMs: number;
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
  private readonly onStats?: (stats: CompletionStats) => void;
  private readonly log: Logger;
  private nextId = 1;
  private last?: Prepared;
  private warmedVersion = 0;
  private readonly idle = new IdleTimer(() => this.maybeWarmup());
  private disposed = false;

  constructor(options: EngineOptions) {
    this.config = { ...options, settings: { ...DEFAULT_SETTINGS, ...options.settings } };
    this.ring = options.ring ?? new ExtraRing();
    this.scheduler = new Scheduler(options.scheduler);
    this.onStats = options.onStats;
    this.log = options.log ?? nullLogger;
  }

  get settings(): Readonly<CompletionSettings> {
    return this.config.settings;
  }

  /** Any edit or cursor move: the user is not idle. */
  noteActivity(): void {
    if (!this.disposed && this.config.backend.warmup) this.idle.touch(true, this.settings.warmupIdleMs);
  }

  /** The extra-context ring changed: warm up once the user is idle. */
  ringChanged(): void {
    if (!this.disposed && this.config.backend.warmup) this.idle.touch(false, this.settings.warmupIdleMs);
  }

  /** The user accepted a suggestion (counted; the prefetched follow-up is already on its way). */
  accepted(): void {
    this.totals.accepted++;
    this.noteActivity();
  }

  /**
   * The suggestion for `doc`'s cursor. `signal`: the editor gave up on this
   * request. `delayMs` replaces the adaptive debounce (0 for an explicit trigger).
   */
  async complete(doc: DocumentSnapshot, signal?: AbortSignal, options: { delayMs?: number } = {}): Promise<CompletionOutcome> {
    const began = performance.now();
    this.totals.triggers++;
    this.scheduler.noteKeystroke();
    this.noteActivity();
    const check = shouldRequest(doc, this.settings.rightOfCursor);
    if (!check.ok) {
      this.totals.skipped++;
      return { reason: check.message };
    }
    const p = this.prepare(doc, began);
    const hit = this.cache.lookup(this.config.model, p.prefix, p.after);
    if (hit) {
      // What runs for another position is stale, unless it is a prefetch: typing
      // through a suggestion leads to the very position it prefetches.
      if (this.scheduler.runningKey !== p.key && !this.scheduler.runningBackground) this.scheduler.cancel();
      const outcome = hit.typed > 0 ? 'typed' : 'cache';
      this.emit({ ...this.base('completion'), outcome, fromCache: true, overheadMs: elapsed(began) });
      if (!hit.text) return { reason: 'The model had nothing to add here (cached).' };
      return { suggestion: { text: hit.text, source: hit.typed > 0 ? 'typed' : 'cache' } };
    }
    this.last = p;
    const id = this.nextId++;
    const t0 = Date.now();
    const out = await this.scheduler.schedule(p.key, (sig) => this.request(p, 'completion', id, sig, t0), {
      signal,
      delayMs: options.delayMs,
    });
    if (out.status === 'done') return out.value;
    if (out.status === 'failed') {
      const error = classify(out.error);
      return { error, reason: error.message };
    }
    if (out.status === 'superseded') {
      this.emit({ ...this.base('completion', id), outcome: 'superseded', fromCache: false });
      return { reason: 'Replaced by a newer request.' };
    }
    return { reason: 'Cancelled.' };
  }

  private prepare(doc: DocumentSnapshot, began = performance.now()): Prepared {
    const s = this.settings;
    const cpt = this.speed.charsPerToken;
    const extra = this.selectExtra(doc.fileName, cpt);
    const extraTokens = extra.reduce((n, c) => n + estimateTokens(c.text, cpt) + 4, 0);
    const ctx = buildExcerpt(doc, {
      prefixLines: s.prefixLines,
      suffixLines: s.suffixLines,
      prefixStep: s.prefixStep,
      nBatch: s.nBatch,
      nPredict: s.nPredict,
      nCtx: this.config.nCtx,
      charsPerToken: cpt,
      extraTokens,
      maxSuffixTokens: this.speed.suffixTokens(s.suffixMs),
    });
    const prefix = ctx.inputPrefix + ctx.prompt;
    const after = textAfterCursor(doc, 256);
    return { doc, ctx, extra, prefix, after, key: this.cache.key(this.config.model, prefix, after), overheadMs: elapsed(began) };
  }

  private selectExtra(fileName: string, cpt: number): ExtraChunk[] {
    const { backend, template, nCtx, settings } = this.config;
    if (!settings.extraContext) return [];
    if (backend.kind === 'infill') return this.ring.select(extraBudget(nCtx, settings.nBatch), cpt, fileName);
    if (!template?.repoLevel) return [];
    return this.ring.select(Math.min(1024, nCtx ? Math.floor(nCtx / 4) : 1024), cpt, fileName);
  }

  private base(kind: RequestKind, id = 0): Pick<CompletionStats, 'id' | 'kind' | 'model' | 'backend' | 'aborted'> {
    return { id, kind, model: this.config.model, backend: this.config.backend.kind, aborted: false };
  }

  private fimRequest(p: Prepared, signal: AbortSignal, onText?: (t: string) => void): FimRequest {
    const s = this.settings;
    return {
      model: this.config.model,
      input: { inputPrefix: p.ctx.inputPrefix, prompt: p.ctx.prompt, suffix: p.ctx.suffix, filename: p.ctx.fileName, indent: p.ctx.indent },
      extra: p.extra,
      template: this.config.template,
      repoName: this.config.repoName,
      nPredict: s.nPredict,
      timeBudgetMs: this.speed.budgetMs(),
      temperature: s.temperature,
      topK: s.topK,
      topP: s.topP,
      samplers: s.samplers,
      keepAlive: s.keepAlive,
      signal,
      onText,
    };
  }

  private async request(p: Prepared, kind: RequestKind, id: number, signal: AbortSignal, triggeredAt: number): Promise<CompletionOutcome> {
    this.totals.requests++;
    if (kind === 'prefetch') this.totals.prefetches++;
    const sent = Date.now();
    let partial = '';
    const base = { ...this.base(kind, id), debounceMs: sent - triggeredAt };
    const chars = p.prefix.length + p.ctx.suffix.length + p.extra.reduce((n, c) => n + c.text.length, 0);
    try {
      const res = await this.send(p, signal, (t) => (partial = t));
      this.speed.record(res.timings, chars);
      const began = performance.now();
      const post = postprocess(res.text, { ...p.ctx, indent: p.doc.indent }, { maxLines: this.settings.maxLines });
      this.cache.set(this.config.model, p.prefix, p.after, post.text);
      const t = res.timings;
      const shown = kind === 'completion' && !!post.text;
      const generated = t.generatedTokens ?? estimateTokens(res.text, this.speed.charsPerToken);
      this.emit({
        ...base,
        outcome: kind !== 'completion' ? 'stored' : shown ? 'shown' : 'empty',
        latencyMs: Date.now() - triggeredAt,
        requestMs: Date.now() - sent,
        promptMs: t.promptMs,
        genMs: t.genMs,
        promptTokens: t.promptTokens,
        cachedTokens: t.cachedTokens,
        generatedTokens: t.generatedTokens,
        discardedTokens: shown ? 0 : generated,
        fromCache: false,
        dropped: post.dropped,
        lines: post.text ? post.text.split('\n').length : 0,
        overheadMs: p.overheadMs + elapsed(began),
      });
      if (kind === 'completion' && post.text && this.settings.prefetch) setTimeout(() => this.prefetchAfter(p.doc, post.text), 0);
      if (!post.text) return { reason: `Nothing to show (${post.dropped ?? 'empty'}).` };
      return { suggestion: { text: post.text, source: 'server' } };
    } catch (err) {
      const error = classify(err);
      if (signal.aborted || error.code === 'aborted') {
        const discarded = partial ? estimateTokens(partial, this.speed.charsPerToken) : 0;
        this.emit({
          ...base,
          outcome: 'aborted',
          aborted: true,
          fromCache: false,
          discardedTokens: discarded,
          requestMs: Date.now() - sent,
        });
        throw err;
      }
      if (isHearthError(error, 'contextExceeded')) this.speed.shrink();
      this.log.warn(`completion request failed: ${error.toLogString()}`);
      this.emit({ ...base, outcome: 'error', fromCache: false, error, requestMs: Date.now() - sent });
      throw error;
    }
  }

  /**
   * One request; once more when the connection was closed before any answer
   * (a keep-alive connection the server had just closed): that is a blip,
   * not something to show the user.
   */
  private async send(p: Prepared, signal: AbortSignal, onText: (t: string) => void) {
    try {
      return await this.config.backend.complete(this.fimRequest(p, signal, onText));
    } catch (err) {
      if (signal.aborted || !isHearthError(err, 'unreachable')) throw err;
      this.log.debug(`completion request retried after: ${err.toLogString()}`);
      return this.config.backend.complete(this.fimRequest(p, signal, onText));
    }
  }

  /** Fetches, in the background, the suggestion that follows accepting `text`. */
  private prefetchAfter(doc: DocumentSnapshot, text: string): void {
    if (this.disposed || this.scheduler.busy) return;
    const p = this.prepare(applySuggestion(doc, text));
    if (this.cache.get(this.config.model, p.prefix, p.after) !== undefined) return;
    const id = this.nextId++;
    void this.scheduler.schedule(p.key, (sig) => this.request(p, 'prefetch', id, sig, Date.now()), { background: true });
  }

  private maybeWarmup(): void {
    const backend = this.config.backend;
    const due = warmupDue({
      ringVersion: this.ring.version,
      warmedVersion: this.warmedVersion,
      idleForMs: this.idle.idleForMs,
      idleMs: this.settings.warmupIdleMs,
      busy: this.scheduler.busy,
    });
    if (!due || !backend.warmup || !this.last || this.disposed) return;
    const version = this.ring.version;
    const p = this.prepare(this.last.doc);
    const id = this.nextId++;
    const warmup = backend.warmup.bind(backend);
    void this.scheduler.schedule(
      `warmup\u0000${version}`,
      async (sig) => {
        this.totals.requests++;
        this.totals.warmups++;
        try {
          const t = await warmup(this.fimRequest(p, sig));
          this.warmedVersion = version;
          this.emit({
            ...this.base('warmup', id),
            outcome: 'stored',
            fromCache: false,
            promptMs: t.promptMs,
            promptTokens: t.promptTokens,
            cachedTokens: t.cachedTokens,
          });
        } catch (err) {
          const error = classify(err);
          if (error.code === 'aborted') return;
          // Not again for this ring: a server that refuses warm-ups should not get one per pause.
          this.warmedVersion = version;
          this.log.debug(`warm-up failed: ${error.toLogString()}`);
          this.emit({ ...this.base('warmup', id), outcome: 'error', fromCache: false, error });
        }
      },
      { background: true },
    );
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
    this.idle.dispose();
    this.scheduler.cancel();
  }
}
