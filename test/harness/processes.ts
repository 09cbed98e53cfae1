// Process-group helpers and a process-exit cleanup registry for the harness
// (plain Node launchers only: it installs SIGINT/SIGTERM handlers).
import { type ChildProcess } from 'node:child_process';

/** Sends `signal` to every process in the group led by `pid`; false if none is left. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops a whole process group: SIGTERM, then SIGKILL after `graceMs`; waits until it is empty. */
export async function stopGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (signalGroup(pid, 0) && Date.now() < deadline) await sleep(50);
  if (signalGroup(pid, 0)) signalGroup(pid, 'SIGKILL');
  const hardDeadline = Date.now() + 5000;
  while (signalGroup(pid, 0) && Date.now() < hardDeadline) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Cleanup {
  /** Runs on `process.on('exit')`: synchronous work only (kill, rmSync). */
  sync: () => void;
  /** Runs on SIGINT/SIGTERM/SIGHUP before exiting, and by `cleanupAll()`. */
  async: () => Promise<void>;
}

const pending = new Set<Cleanup>();
let installed = false;
let signalled: NodeJS.Signals | undefined;

/** The signal we are shutting down for, if any (so that expected exits are not reported as errors). */
export function shutdownSignal(): NodeJS.Signals | undefined {
  return signalled;
}

/** Registers cleanup work for abnormal exits; call the returned function once done normally. */
export function registerCleanup(sync: () => void, async?: () => Promise<void>): () => void {
  install();
  const entry: Cleanup = { sync, async: async ?? (async () => sync()) };
  pending.add(entry);
  return () => pending.delete(entry);
}

/** Runs every pending cleanup (newest first), ignoring errors. */
export async function cleanupAll(): Promise<void> {
  // Entries leave the set only once done, so that an exit in the middle still runs their sync part.
  for (const entry of [...pending].reverse()) {
    try {
      await entry.async();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${String(error)}\n`);
    }
    pending.delete(entry);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const entry of [...pending].reverse()) {
      try {
        entry.sync();
      } catch {
        // best effort on exit
      }
    }
    pending.clear();
  });
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const signal of Object.keys(codes) as NodeJS.Signals[]) {
    process.once(signal, () => {
      signalled = signal;
      process.stderr.write(`\n${signal}: cleaning up...\n`);
      const force = setTimeout(() => process.exit(codes[signal]), 10000);
      force.unref();
      void cleanupAll().finally(() => process.exit(codes[signal]));
    });
  }
}
