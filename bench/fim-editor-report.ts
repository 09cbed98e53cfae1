// The numbers of one editor-level FIM benchmark run, from the page's timeline
// (keystrokes, ghost text changes), the counting proxy and llama-server's own
// metrics and log; and the table printed per configuration.
import type { ProxyCounts, ProxyRecord } from '../test/harness/completionProxy';
import type { TypingPlan } from './fim-editor-typing';
import type { Timeline } from './fim-editor-replay';
import { percentile } from './fim-report';
import type { ServerCounters, TaskSummary } from './llama-server-stats';

export interface PauseResult {
  /** Index of the keystroke the pause follows. */
  key: number;
  ghost: boolean;
  /** From that keystroke to the ghost text appearing (ms). */
  latencyMs?: number;
}

export interface RunResult {
  config: string;
  run: number;
  model: string;
  seed: number;
  startedAt: string;
  machine: { cpus: number; loadBefore: number[]; loadAfter: number[] };
  typing: { keystrokes: number; durationS: number; slowestKeyMs: number; keyClock: string; documentMatches: boolean; mismatch?: string };
  pauses: { count: number; withGhost: number; latencyP50Ms?: number; latencyP90Ms?: number; each: PauseResult[] };
  /** Times ghost text appeared between keystrokes that were not pauses. */
  ghostWhileTyping: number;
  requests: ProxyCounts & {
    warmups: number;
    shown: number;
    /** Requests that arrived during one of the pauses (the rest came between keystrokes). */
    duringPauses: number;
    /** From the keystroke before a request to the request reaching the proxy (VS Code's and Hearth's debounce), p50. */
    keyToRequestP50Ms?: number;
  };
  server: ServerCounters;
  tokensThrownAway: {
    total: number;
    aborted: number;
    completedNotShown: number;
    streamedTotal: number;
    /** Cross-check: the server's generated tokens minus those of the requests whose text was shown. */
    serverEstimate: number;
  };
  slots: {
    tasks: number;
    cancelled: number;
    cancelledWaiting: number;
    cancelToReleaseP50Ms?: number;
    cancelToReleaseMaxMs?: number;
    cancelledBusyP50Ms?: number;
    cancelledBusyMaxMs?: number;
    cancelledBusyTotalS: number;
    maxBusySlots: number;
  };
  error?: string;
}

export const THROWN_AWAY_DEFINITION =
  'tokens streamed (one per event) for completion requests whose text never appeared as ghost text: ' +
  'requests the extension aborted (tokens streamed before the abort — a lower bound, the server may generate a few more before it notices) ' +
  'plus requests that finished but whose text was never shown (timings.predicted_n). ' +
  "serverEstimate cross-checks it: llama-server's tokens_predicted_total delta (aborted requests included) minus the tokens of the requests whose text was shown";

const visible = (text: string) => text.trim() !== '';

export function pauseResults(plan: TypingPlan, t: Timeline): PauseResult[] {
  const out: PauseResult[] = [];
  plan.keys.forEach((k, i) => {
    if (!k.pauseAfter) return;
    const start = t.keyTimes[i];
    const end = i + 1 < t.keyTimes.length ? t.keyTimes[i + 1] : start + plan.pauseMs;
    const first = t.ghost.find((g) => g.at > start && g.at < end && visible(g.text));
    if (first) out.push({ key: i, ghost: true, latencyMs: first.at - start });
    else if (!t.ghost.some((g) => g.at > start && g.at < end) && visible(stateAt(t, start)))
      out.push({ key: i, ghost: true, latencyMs: 0 });
    else out.push({ key: i, ghost: false });
  });
  return out;
}

function stateAt(t: Timeline, at: number): string {
  let text = t.ghostAtStart;
  for (const g of t.ghost) if (g.at <= at) text = g.text;
  return text;
}

/** Ghost text appearing (from none) outside the pauses. */
export function ghostWhileTyping(plan: TypingPlan, t: Timeline): number {
  const inPause = (at: number) =>
    plan.keys.some((k, i) => k.pauseAfter && at > t.keyTimes[i] && at < (t.keyTimes[i + 1] ?? t.keyTimes[i] + plan.pauseMs));
  let shown = visible(t.ghostAtStart);
  let count = 0;
  for (const g of t.ghost) {
    if (g.at > t.endedAt) break;
    const now = visible(g.text);
    if (now && !shown && !inPause(g.at)) count++;
    shown = now;
  }
  return count;
}

/** How many requests arrived during pauses, and the time from the keystroke before each request to its arrival. */
export function requestTiming(
  plan: TypingPlan,
  t: Timeline,
  requests: readonly ProxyRecord[],
): { duringPauses: number; keyToRequestP50Ms?: number } {
  let duringPauses = 0;
  const delays: number[] = [];
  for (const r of requests) {
    let i = -1;
    while (i + 1 < t.keyTimes.length && t.keyTimes[i + 1] <= r.started) i++;
    if (i < 0) continue;
    delays.push(r.started - t.keyTimes[i]);
    if (plan.keys[i].pauseAfter && r.started - t.keyTimes[i] < plan.pauseMs) duringPauses++;
  }
  return { duringPauses, keyToRequestP50Ms: percentile(delays, 50) };
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Tokens a request generated as far as the client saw: the server's count when it finished, else the streamed events. */
function tokensOf(r: ProxyRecord): number {
  const timings = r.last?.timings as { predicted_n?: number } | undefined;
  return r.closedAt === undefined && typeof timings?.predicted_n === 'number' ? timings.predicted_n : r.textEvents;
}

/**
 * The finished requests whose text was shown: each ghost text that appeared
 * is credited to the latest finished request before it whose text contains
 * its beginning (so suggestions shown later from Hearth's cache count too).
 */
export function shownRequests(requests: readonly ProxyRecord[], t: Timeline): Set<ProxyRecord> {
  const shown = new Set<ProxyRecord>();
  const finished = requests.filter((r) => r.ended !== undefined && r.closedAt === undefined && r.text);
  for (const g of t.ghost) {
    const snippet = squash(g.text).slice(0, 24);
    if (!snippet) continue;
    const source = finished.filter((r) => r.ended! <= g.at && squash(r.text).includes(snippet)).pop();
    if (source) shown.add(source);
  }
  return shown;
}

export function thrownAway(
  requests: readonly ProxyRecord[],
  shown: Set<ProxyRecord>,
  serverGenerated: number,
): RunResult['tokensThrownAway'] {
  const sum = (list: readonly ProxyRecord[]) => list.reduce((n, r) => n + tokensOf(r), 0);
  const aborted = sum(requests.filter((r) => r.closedAt !== undefined));
  const completedNotShown = sum(requests.filter((r) => r.closedAt === undefined && !shown.has(r)));
  return {
    total: aborted + completedNotShown,
    aborted,
    completedNotShown,
    streamedTotal: sum(requests),
    serverEstimate: serverGenerated - sum([...shown]),
  };
}

export function slotStats(s: TaskSummary): RunResult['slots'] {
  const p = (v: number[], q: number) => percentile(v, q);
  return {
    tasks: s.tasks,
    cancelled: s.cancelled,
    cancelledWaiting: s.cancelledWaiting,
    cancelToReleaseP50Ms: p(s.cancelToReleaseMs, 50),
    cancelToReleaseMaxMs: p(s.cancelToReleaseMs, 100),
    cancelledBusyP50Ms: p(s.cancelledBusyMs, 50),
    cancelledBusyMaxMs: p(s.cancelledBusyMs, 100),
    cancelledBusyTotalS: Math.round(s.cancelledBusyMs.reduce((a, b) => a + b, 0) / 100) / 10,
    maxBusySlots: s.maxBusySlots,
  };
}

export function pauseSummary(each: PauseResult[]): RunResult['pauses'] {
  const latencies = each.filter((p) => p.ghost).map((p) => p.latencyMs!);
  return {
    count: each.length,
    withGhost: latencies.length,
    latencyP50Ms: percentile(latencies, 50),
    latencyP90Ms: percentile(latencies, 90),
    each,
  };
}

const rate = (tokens: number, seconds: number) => (seconds > 0 ? tokens / seconds : undefined);
const num = (v: number | undefined, unit = '') => (v === undefined ? 'n/a' : `${Math.round(v).toLocaleString('en-US')}${unit}`);

/** One table per configuration: a row per measure, a column per run. */
export function printTable(title: string, runs: readonly RunResult[]): void {
  const rows: [string, (r: RunResult) => string][] = [
    ['pauses with ghost text', (r) => `${r.pauses.withGhost}/${r.pauses.count}`],
    ['pause → ghost text p50 / p90', (r) => `${num(r.pauses.latencyP50Ms)} / ${num(r.pauses.latencyP90Ms)} ms`],
    ['ghost text between keystrokes', (r) => String(r.ghostWhileTyping)],
    ['requests sent / aborted / completed', (r) => `${r.requests.sent} / ${r.requests.aborted} / ${r.requests.completed}`],
    ['  sent in pauses / keystroke → sent p50', (r) => `${r.requests.duringPauses} / ${num(r.requests.keyToRequestP50Ms)} ms`],
    ['  warm-ups / failed / shown', (r) => `${r.requests.warmups} / ${r.requests.failed} / ${r.requests.shown}`],
    ['max requests in flight (proxy / slots)', (r) => `${r.requests.maxInFlight} / ${r.slots.maxBusySlots}`],
    ['prompt tokens evaluated / cached', (r) => `${num(r.server.promptTokens)} / ${num(r.server.cachedTokens)}`],
    [
      'server prompt time / speed',
      (r) => `${r.server.promptSeconds.toFixed(1)} s / ${num(rate(r.server.promptTokens, r.server.promptSeconds))} tok/s`,
    ],
    ['tokens generated', (r) => num(r.server.generatedTokens)],
    [
      'server generation time / speed',
      (r) => `${r.server.generationSeconds.toFixed(1)} s / ${num(rate(r.server.generatedTokens, r.server.generationSeconds))} tok/s`,
    ],
    [
      'tokens thrown away (aborted + unseen)',
      (r) =>
        `${num(r.tokensThrownAway.total)} (${num(r.tokensThrownAway.aborted)} + ${num(r.tokensThrownAway.completedNotShown)}; server ${num(r.tokensThrownAway.serverEstimate)})`,
    ],
    ['server tasks / aborted / aborted waiting', (r) => `${r.slots.tasks} / ${r.slots.cancelled} / ${r.slots.cancelledWaiting}`],
    ['abort → slot free p50 / max', (r) => `${num(r.slots.cancelToReleaseP50Ms)} / ${num(r.slots.cancelToReleaseMaxMs)} ms`],
    ['aborted tasks busy p50 / total', (r) => `${num(r.slots.cancelledBusyP50Ms)} ms / ${r.slots.cancelledBusyTotalS} s`],
    ['keystrokes / duration / slowest key', (r) => `${r.typing.keystrokes} / ${r.typing.durationS} s / ${r.typing.slowestKeyMs} ms`],
    ['document matches the source', (r) => (r.typing.documentMatches ? 'yes' : `NO: ${r.typing.mismatch}`)],
    [
      'load avg 1 min before → after',
      (r) => `${r.machine.loadBefore[0].toFixed(2)} → ${r.machine.loadAfter[0].toFixed(2)} (${r.machine.cpus} CPUs)`,
    ],
  ];
  const header = ['', ...runs.map((r) => `run ${r.run}`)];
  const body = rows.map(([label, cell]) => [label, ...runs.map((r) => (r.error ? 'failed' : cell(r)))]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
  const line = (row: string[]) => `  ${row.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`;
  console.log(`\n${title}`);
  console.log(line(header));
  for (const row of body) console.log(line(row));
  for (const r of runs) if (r.error) console.log(`  run ${r.run} failed: ${r.error.split('\n')[0]}`);
}
