// One run of the editor-level FIM benchmark: open the session, wait until the
// extension's start-up requests are over, read the server's counters, type
// the plan, wait until the server is idle again, read the counters again, and
// check that the saved document is the source.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RecordingProxy, ProxyRecord } from '../test/harness/completionProxy';
import { openSession, savedText, type Session } from './fim-editor-session';
import {
  ghostWhileTyping,
  pauseResults,
  pauseSummary,
  requestTiming,
  shownRequests,
  slotStats,
  thrownAway,
  type RunResult,
} from './fim-editor-report';
import { readTimeline, typePlan } from './fim-editor-replay';
import type { TypingPlan } from './fim-editor-typing';
import { cancelsBeforeSlot, counters, parseTasks, readMetrics, summarizeTasks } from './llama-server-stats';

export interface RunOptions {
  root: string;
  launcher: string;
  config: string;
  model: string;
  plan: TypingPlan;
  seed: number;
  run: number;
  /** Where the server log and the request records go. */
  logDir: string;
  verbose: boolean;
  suggestWidget: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until no completion request has been in flight for `quietMs` (the extension's warm-up after opening a file). */
async function quiet(proxy: RecordingProxy, quietMs: number, timeoutMs: number): Promise<void> {
  const since = Date.now();
  const deadline = since + timeoutMs;
  while (Date.now() < deadline) {
    const list = proxy.completions();
    const lastActivity = Math.max(since, ...list.map((r) => r.finished ?? Date.now()));
    if (proxy.counts().inFlight === 0 && Date.now() - lastActivity >= quietMs) return;
    await sleep(100);
  }
  throw new Error(`completion requests still running after ${timeoutMs / 1000} s of waiting before typing`);
}

/** Waits until no request is in flight at the proxy and no slot is busy at the server. */
async function settle(session: Session, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (session.proxy.counts().inFlight === 0 && (await readMetrics(session.llama.url)).requests_processing === 0) return;
    await sleep(200);
  }
  throw new Error(`the server was still busy ${timeoutMs / 1000} s after the typing ended`);
}

function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}: ${JSON.stringify(a[i] ?? null)} instead of ${JSON.stringify(e[i] ?? null)}`;
  }
  return '';
}

function requestLog(list: readonly ProxyRecord[], since: number): unknown[] {
  return list.map((r) => ({
    startMs: r.started - since,
    ms: (r.finished ?? r.started) - r.started,
    firstTextMs: r.firstEventAt === undefined ? undefined : r.firstEventAt - r.started,
    path: r.path,
    status: r.status,
    aborted: r.closedAt !== undefined,
    nPredict: r.body.n_predict,
    tMaxPredictMs: r.body.t_max_predict_ms,
    textEvents: r.textEvents,
    text: r.text.slice(0, 200),
    tokensEvaluated: r.last?.tokens_evaluated,
    timings: r.last?.timings,
  }));
}

export async function runOnce(o: RunOptions): Promise<RunResult> {
  const loadBefore = os.loadavg();
  const base = {
    config: o.config,
    run: o.run,
    model: path.basename(o.model),
    seed: o.seed,
    startedAt: new Date().toISOString(),
  };
  const log = o.verbose ? (line: string) => process.stderr.write(`[bench]   ${line}\n`) : undefined;
  let session: Session | undefined;
  try {
    session = await openSession({
      root: o.root,
      launcher: o.launcher,
      model: o.model,
      plan: o.plan,
      suggestWidget: o.suggestWidget,
      log,
    });
    await quiet(session.proxy, 2500, 120_000);
    const before = await readMetrics(session.llama.url);
    // Task ids only grow: the typing's tasks are those above the last one so far (the log keeps only its tail).
    const lastTaskBefore = Math.max(0, ...parseTasks(session.llama.log()).map((t) => t.id), ...cancelsBeforeSlot(session.llama.log()));
    const firstRecord = session.proxy.records.length;
    log?.('typing');
    const typed = await typePlan(session.page, o.plan);
    await settle(session, 120_000);
    const server = counters(before, await readMetrics(session.llama.url));
    const timeline = await readTimeline(session.page, typed);
    const text = await savedText(session);
    const serverLog = session.llama.log();
    const requests = session.proxy.records.slice(firstRecord).filter((r) => r.completion);
    const shown = shownRequests(requests, timeline);
    const stem = path.join(o.logDir, `${o.config}-run${o.run}`);
    fs.writeFileSync(`${stem}.log`, serverLog);
    fs.writeFileSync(`${stem}-requests.json`, `${JSON.stringify(requestLog(requests, typed.startedAt), null, 1)}\n`);
    const rel = (at: number) => at - typed.startedAt;
    const keys = timeline.keyTimes.map((at, i) => ({
      at: rel(at),
      key: o.plan.keys[i].key,
      pauseAfter: o.plan.keys[i].pauseAfter || undefined,
    }));
    fs.writeFileSync(
      `${stem}-timeline.json`,
      `${JSON.stringify({ keys, ghost: timeline.ghost.map((g) => ({ at: rel(g.at), text: g.text })) }, null, 1)}\n`,
    );
    const mismatch = firstDifference(text, o.plan.expected);
    return {
      ...base,
      machine: { cpus: os.cpus().length, loadBefore, loadAfter: os.loadavg() },
      typing: {
        keystrokes: o.plan.keys.length,
        durationS: Math.round((typed.endedAt - typed.startedAt) / 100) / 10,
        slowestKeyMs: typed.slowestKeyMs,
        keyClock: timeline.keyClock,
        documentMatches: !mismatch,
        mismatch: mismatch || undefined,
      },
      pauses: pauseSummary(pauseResults(o.plan, timeline)),
      ghostWhileTyping: ghostWhileTyping(o.plan, timeline),
      requests: {
        ...session.proxy.counts(firstRecord),
        warmups: requests.filter((r) => r.body.n_predict === 0).length,
        shown: shown.size,
        ...requestTiming(o.plan, timeline, requests),
      },
      server,
      tokensThrownAway: thrownAway(requests, shown, server.generatedTokens),
      slots: slotStats(
        summarizeTasks(
          parseTasks(serverLog).filter((t) => t.id > lastTaskBefore),
          cancelsBeforeSlot(serverLog).filter((id) => id > lastTaskBefore),
        ),
      ),
    };
  } catch (error) {
    return { ...base, error: (error as Error).message } as RunResult;
  } finally {
    await session?.close();
  }
}
