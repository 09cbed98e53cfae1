// Per-request statistics of the completion engine (for the status bar and
// the log) and running totals (for diagnostics and the benchmark).
import type { HearthError } from '../errors';
import type { StopReason } from './backend';
import type { DropReason } from './postprocess';

export type RequestKind = 'completion' | 'prefetch' | 'warmup';

export type RequestOutcome =
  /** A suggestion came back and was returned to the editor. */
  | 'shown'
  /** The server answered but nothing was left to show (see `dropped`). */
  | 'empty'
  /** Served from the cache, exactly or typed-through: no request. */
  | 'cache'
  | 'typed'
  /** Stopped by a newer trigger or the editor's cancellation. */
  | 'aborted'
  /** Replaced by a newer trigger before it was sent. */
  | 'superseded'
  | 'error'
  /** A prefetch or warm-up that finished (nothing shown). */
  | 'stored'
  /** A completion that finished after the editor stopped waiting for it; kept in the cache. */
  | 'unseen';

/** Why a trigger ended without ghost text (shown in the status bar tooltip). */
export type MissReason =
  /** The editor gave up (the user typed on) while the server still read the prompt. */
  | 'evaluating'
  /** … or while the answer was still being generated. */
  | 'generating'
  | 'cancelled'
  | 'superseded'
  /** The model had nothing useful to add here. */
  | 'empty';

export interface CompletionStats {
  id: number;
  kind: RequestKind;
  outcome: RequestOutcome;
  model: string;
  backend: string;
  /** Debounce this trigger waited (and the wait for the previous request to close). */
  debounceMs?: number;
  /** From sending to the first token (the server's prompt time, plus queueing). */
  waitedMs?: number;
  /** Why Hearth cancelled it. */
  cancelReason?: string;
  /** Why generation ended. */
  stop?: StopReason;
  /** From the trigger to the result (what the user waits for after a pause). */
  latencyMs?: number;
  /** From sending the request to its result. */
  requestMs?: number;
  promptMs?: number;
  genMs?: number;
  /** Prompt tokens evaluated by the server / reused from its prompt cache. */
  promptTokens?: number;
  cachedTokens?: number;
  generatedTokens?: number;
  /** Tokens generated and not shown (aborted, dropped, cut). Estimated for aborted requests. */
  discardedTokens?: number;
  fromCache: boolean;
  aborted: boolean;
  dropped?: DropReason;
  /** Lines of the shown suggestion. */
  lines?: number;
  /** Time the engine itself spent (context, cache, post-processing), ms. */
  overheadMs?: number;
  error?: HearthError;
}

export interface EngineTotals {
  triggers: number;
  skipped: number;
  requests: number;
  completed: number;
  aborted: number;
  superseded: number;
  errors: number;
  cacheHits: number;
  typedThrough: number;
  shown: number;
  accepted: number;
  prefetches: number;
  warmups: number;
  promptTokens: number;
  cachedTokens: number;
  generatedTokens: number;
  discardedTokens: number;
}

export function emptyTotals(): EngineTotals {
  return {
    triggers: 0,
    skipped: 0,
    requests: 0,
    completed: 0,
    aborted: 0,
    superseded: 0,
    errors: 0,
    cacheHits: 0,
    typedThrough: 0,
    shown: 0,
    accepted: 0,
    prefetches: 0,
    warmups: 0,
    promptTokens: 0,
    cachedTokens: 0,
    generatedTokens: 0,
    discardedTokens: 0,
  };
}

/** Adds one request's numbers to the totals. */
export function addToTotals(t: EngineTotals, s: CompletionStats): void {
  switch (s.outcome) {
    case 'shown':
      t.shown++;
      t.completed++;
      break;
    case 'empty':
    case 'stored':
    case 'unseen':
      t.completed++;
      break;
    case 'cache':
      t.cacheHits++;
      t.shown++;
      break;
    case 'typed':
      t.typedThrough++;
      t.shown++;
      break;
    case 'aborted':
      t.aborted++;
      break;
    case 'superseded':
      t.superseded++;
      break;
    case 'error':
      t.errors++;
      break;
  }
  t.promptTokens += s.promptTokens ?? 0;
  t.cachedTokens += s.cachedTokens ?? 0;
  t.generatedTokens += s.generatedTokens ?? 0;
  t.discardedTokens += s.discardedTokens ?? 0;
}

/** "prompt 120 ms (35 new, 1,400 cached) · 42 tokens in 310 ms" for the status bar tooltip. */
export function describeCompletion(s: CompletionStats): string {
  if (s.outcome === 'cache' || s.outcome === 'typed') return s.outcome === 'typed' ? 'from cache (typed through)' : 'from cache';
  if (s.error) return `failed: ${s.error.message}`;
  const parts: string[] = [];
  if (s.promptMs !== undefined) {
    const cached = s.cachedTokens ? `, ${s.cachedTokens.toLocaleString('en-US')} cached` : '';
    parts.push(`prompt ${Math.round(s.promptMs)} ms (${s.promptTokens ?? '?'} new${cached})`);
  }
  if (s.generatedTokens !== undefined) parts.push(`${s.generatedTokens} tokens in ${Math.round(s.genMs ?? 0)} ms`);
  if (s.aborted) parts.push('aborted');
  if (s.dropped) parts.push(`dropped (${s.dropped})`);
  return parts.join(' · ') || s.outcome;
}
