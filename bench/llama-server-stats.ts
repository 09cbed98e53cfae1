// What llama-server itself says about a benchmark run: the counters of its
// Prometheus `/metrics` (started with --metrics) diffed over the run, and its
// log's task lines — when each task took a slot, when its client's abort
// reached the server ("stop: cancel task") and when the slot was released.
// Checked against build 11669: /metrics counts the prompt and generated
// tokens of aborted requests too, but only once their slot is released — so
// read it when no slot is busy (requests_processing 0).

export type Metrics = Record<string, number>;

export async function readMetrics(url: string): Promise<Metrics> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status} (start llama-server with --metrics)`);
  const out: Metrics = {};
  for (const m of (await response.text()).matchAll(/^llamacpp:(\w+) ([\d.e+-]+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

export interface ServerCounters {
  /** Prompt tokens evaluated (not taken from the prompt cache). */
  promptTokens: number;
  /** Prompt tokens reused from the prompt cache. */
  cachedTokens: number;
  promptSeconds: number;
  /** Tokens generated, for aborted requests too. */
  generatedTokens: number;
  generationSeconds: number;
  /** llama_decode() calls: prompt batches plus one per generation step (of all slots together). */
  decodeCalls: number;
}

export function counters(before: Metrics, after: Metrics): ServerCounters {
  const d = (k: string) => Math.round(((after[k] ?? 0) - (before[k] ?? 0)) * 1000) / 1000;
  return {
    promptTokens: d('prompt_tokens_total'),
    cachedTokens: d('prompt_tokens_cached_total'),
    promptSeconds: d('prompt_seconds_total'),
    generatedTokens: d('tokens_predicted_total'),
    generationSeconds: d('tokens_predicted_seconds_total'),
    decodeCalls: d('n_decode_total'),
  };
}

export interface Task {
  id: number;
  slot: number;
  /** Milliseconds since the server started. */
  launched: number;
  cancelled?: number;
  released?: number;
  /** Tokens in the slot at release (cached + evaluated prompt + generated). */
  nTokens?: number;
  promptTokens?: number;
  generatedTokens?: number;
}

const STAMP = /^(\d+)\.(\d+)\.(\d+)\.(\d+) /;

/** The log's timestamp (minutes.seconds.milliseconds.microseconds since start) in ms. */
function stamp(line: string): number | undefined {
  const m = STAMP.exec(line);
  return m ? Number(m[1]) * 60_000 + Number(m[2]) * 1000 + Number(m[3]) + Number(m[4]) / 1000 : undefined;
}

/** The tasks that took a slot, in launch order. */
export function parseTasks(log: string): Task[] {
  const tasks = new Map<number, Task>();
  for (const line of log.split('\n')) {
    const at = stamp(line);
    if (at === undefined) continue;
    let m = /launch_slot_: id +(\d+) \| task (\d+) \| processing task/.exec(line);
    if (m) {
      tasks.set(Number(m[2]), { id: Number(m[2]), slot: Number(m[1]), launched: at });
      continue;
    }
    m = /stop: cancel task, id_task = (\d+)/.exec(line);
    if (m) {
      const task = tasks.get(Number(m[1]));
      if (task) task.cancelled ??= at;
      continue;
    }
    m = /release: id +\d+ \| task (\d+) \| stop processing: n_tokens = (\d+)/.exec(line);
    if (m) {
      const task = tasks.get(Number(m[1]));
      if (task) Object.assign(task, { released: at, nTokens: Number(m[2]) });
      continue;
    }
    m = /print_timing: id +\d+ \| task (\d+) \| +(prompt eval|eval) time = +[\d.]+ ms \/ +(\d+) tokens/.exec(line);
    if (m) {
      const task = tasks.get(Number(m[1]));
      if (task && m[2] === 'prompt eval') task.promptTokens = Number(m[3]);
      else if (task) task.generatedTokens = Number(m[3]);
    }
  }
  return [...tasks.values()].sort((a, b) => a.launched - b.launched);
}

/** Ids of tasks cancelled before they got a slot (they waited behind a busy server loop). */
export function cancelsBeforeSlot(log: string): number[] {
  const launched = new Set(parseTasks(log).map((t) => t.id));
  return [...log.matchAll(/stop: cancel task, id_task = (\d+)/g)].map((m) => Number(m[1])).filter((id) => !launched.has(id));
}

export interface TaskSummary {
  tasks: number;
  /** Tasks whose client went away before the end. */
  cancelled: number;
  /** Requests whose client went away before they got a slot. */
  cancelledWaiting: number;
  /** From the abort reaching the server to the slot's release, per cancelled task (ms). */
  cancelToReleaseMs: number[];
  /** From taking the slot to releasing it, per cancelled task (ms). */
  cancelledBusyMs: number[];
  /** The most slots busy at once. */
  maxBusySlots: number;
}

export function summarizeTasks(tasks: readonly Task[], waitingCancels: readonly number[] = []): TaskSummary {
  const cancelled = tasks.filter((t) => t.cancelled !== undefined);
  const ms = (v: number) => Math.round(v * 10) / 10;
  const edges: [number, number][] = [];
  for (const t of tasks) edges.push([t.launched, 1], [t.released ?? Infinity, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let busy = 0;
  let maxBusySlots = 0;
  for (const [, d] of edges) maxBusySlots = Math.max(maxBusySlots, (busy += d));
  return {
    tasks: tasks.length,
    cancelled: cancelled.length,
    cancelledWaiting: waitingCancels.length,
    cancelToReleaseMs: cancelled.filter((t) => t.released !== undefined).map((t) => ms(t.released! - t.cancelled!)),
    cancelledBusyMs: cancelled.filter((t) => t.released !== undefined).map((t) => ms(t.released! - t.launched)),
    maxBusySlots,
  };
}
