// Numbers of one FIM benchmark run, from the engine's per-request stats, the
// replay and (for the fake server) the server's own records.
import type { EngineTotals, CompletionStats } from '../src/core/completion/stats';
import type { ReplayResult } from './fim-replay';

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** What the server itself counted (fake: its records; llama-server: /metrics deltas). */
export interface ServerSide {
  /** Requests and aborts as the server saw them (the engine's counts when absent). */
  requests?: number;
  aborted?: number;
  promptTokens: number;
  cachedTokens: number;
  generatedTokens: number;
}

export interface RunReport {
  name: string;
  keystrokes: number;
  triggers: number;
  durationS: number;
  requests: { sent: number; aborted: number; completed: number; superseded: number; errors: number; prefetches: number; warmups: number };
  promptTokens: { evaluated: number; reusedFromCache: number; reuseRatio: number | undefined; source: string };
  generatedTokens: { total: number; thrownAway: number; source: string };
  suggestions: { shown: number; fromServer: number; cacheHits: number; typedThrough: number; accepted: number; acceptedChars: number };
  pauses: { count: number; withGhost: number; withoutGhost: number; latencyP50Ms?: number; latencyP95Ms?: number };
  engineOverhead: { callP50Ms?: number; callP99Ms?: number; perRequestP50Ms?: number; perRequestP99Ms?: number };
  debounceP50Ms?: number;
  errors?: string[];
}

const round = (v: number | undefined, d = 2) => (v === undefined ? undefined : Math.round(v * 10 ** d) / 10 ** d);

export function makeReport(
  name: string,
  totals: EngineTotals,
  stats: readonly CompletionStats[],
  replay: ReplayResult,
  server?: ServerSide,
): RunReport {
  const completedStats = stats.filter((s) => s.outcome === 'shown' || s.outcome === 'empty' || s.outcome === 'stored');
  const clientEvaluated = completedStats.reduce((n, s) => n + (s.promptTokens ?? 0), 0);
  const clientCached = completedStats.reduce((n, s) => n + (s.cachedTokens ?? 0), 0);
  const evaluated = server ? server.promptTokens : clientEvaluated;
  const cached = server ? server.cachedTokens : clientCached;
  const overheads = stats.map((s) => s.overheadMs).filter((v): v is number => v !== undefined);
  const errors = stats.filter((s) => s.error).map((s) => s.error!.toLogString());
  return {
    name,
    keystrokes: replay.keystrokes,
    triggers: replay.triggers,
    durationS: round(replay.durationMs / 1000, 1)!,
    requests: {
      sent: server?.requests ?? totals.requests,
      aborted: server?.aborted ?? totals.aborted,
      completed: totals.completed,
      superseded: totals.superseded,
      errors: totals.errors,
      prefetches: totals.prefetches,
      warmups: totals.warmups,
    },
    promptTokens: {
      evaluated,
      reusedFromCache: cached,
      reuseRatio: evaluated + cached > 0 ? round(cached / (evaluated + cached), 3) : undefined,
      source: server ? 'server' : 'timings of completed requests',
    },
    generatedTokens: {
      total: server ? server.generatedTokens : totals.generatedTokens,
      thrownAway: server ? Math.max(0, server.generatedTokens - shownTokens(stats)) : totals.discardedTokens,
      source: server
        ? 'server total minus tokens of suggestions shown on arrival (prefetches count as thrown away)'
        : 'engine (aborted: estimated)',
    },
    suggestions: {
      shown: totals.shown,
      fromServer: totals.shown - totals.cacheHits - totals.typedThrough,
      cacheHits: totals.cacheHits,
      typedThrough: totals.typedThrough,
      accepted: replay.accepts,
      acceptedChars: replay.acceptedChars,
    },
    pauses: {
      count: replay.pauses,
      withGhost: replay.pauseLatencies.length,
      withoutGhost: replay.pausesWithoutGhost,
      latencyP50Ms: round(percentile(replay.pauseLatencies, 50), 0),
      latencyP95Ms: round(percentile(replay.pauseLatencies, 95), 0),
    },
    engineOverhead: {
      callP50Ms: round(percentile(replay.callMs, 50), 3),
      callP99Ms: round(percentile(replay.callMs, 99), 3),
      perRequestP50Ms: round(percentile(overheads, 50), 3),
      perRequestP99Ms: round(percentile(overheads, 99), 3),
    },
    debounceP50Ms: round(
      percentile(
        stats.map((s) => s.debounceMs).filter((v): v is number => v !== undefined),
        50,
      ),
      0,
    ),
    errors: errors.length ? [...new Set(errors)].slice(0, 5) : undefined,
  };
}

/** Generated tokens of the requests whose suggestion was shown when it arrived. */
function shownTokens(stats: readonly CompletionStats[]): number {
  return stats.filter((s) => s.outcome === 'shown').reduce((n, s) => n + (s.generatedTokens ?? 0), 0);
}

export function printReport(r: RunReport): void {
  const line = (k: string, v: string) => console.log(`  ${k.padEnd(34)} ${v}`);
  console.log(`\n${r.name}`);
  line('keystrokes / triggers / duration', `${r.keystrokes} / ${r.triggers} / ${r.durationS} s`);
  line(
    'requests sent / aborted / completed',
    `${r.requests.sent} / ${r.requests.aborted} / ${r.requests.completed} (superseded before sending ${r.requests.superseded}, prefetch ${r.requests.prefetches}, warm-up ${r.requests.warmups}, errors ${r.requests.errors})`,
  );
  line(
    'prompt tokens evaluated / reused',
    `${r.promptTokens.evaluated} / ${r.promptTokens.reusedFromCache} (reuse ${pct(r.promptTokens.reuseRatio)}; ${r.promptTokens.source})`,
  );
  line('generated tokens / thrown away', `${r.generatedTokens.total} / ${r.generatedTokens.thrownAway} (${r.generatedTokens.source})`);
  line(
    'suggestions shown',
    `${r.suggestions.shown} (server ${r.suggestions.fromServer}, cache ${r.suggestions.cacheHits}, typed-through ${r.suggestions.typedThrough}); accepted ${r.suggestions.accepted} (${r.suggestions.acceptedChars} chars)`,
  );
  line(
    'pauses with ghost text',
    `${r.pauses.withGhost} of ${r.pauses.count}; latency p50 ${ms(r.pauses.latencyP50Ms)}, p95 ${ms(r.pauses.latencyP95Ms)}`,
  );
  line('engine overhead per call p50 / p99', `${ms(r.engineOverhead.callP50Ms)} / ${ms(r.engineOverhead.callP99Ms)}`);
  line(
    'engine overhead per request p50/p99',
    `${ms(r.engineOverhead.perRequestP50Ms)} / ${ms(r.engineOverhead.perRequestP99Ms)} (context + cache + post-processing)`,
  );
  line('debounce p50', ms(r.debounceP50Ms));
  if (r.errors) line('errors', r.errors.join(' | '));
}

function pct(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${Math.round(v * 1000) / 10}%`;
}

function ms(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${v} ms`;
}
