// Crash-safe file writes for the chat history: write a temp file, fsync it,
// rename it over the target (atomic on one file system), fsync the folder
// where the platform allows. A rename refused for a moment (on Windows an
// indexer or antivirus holding the file: EPERM, EBUSY, EACCES) is retried a
// few times. Writes to one path run one after another.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../types';
import { isJournalName } from './replyJournal';

/** Temp files younger than this may belong to another window writing right now. */
const STALE_TEMP_MS = 10 * 60_000;

/** The file operations the history uses (tests replace them to simulate a full disk or a locked file). */
export interface FileOps {
  open: typeof fs.open;
  rename: typeof fs.rename;
  rm: typeof fs.rm;
}

export const nodeFileOps: FileOps = { open: fs.open, rename: fs.rename, rm: fs.rm };

/** Rename errors that usually pass within a second (Windows file locks). */
const TRANSIENT = new Set(['EPERM', 'EBUSY', 'EACCES']);
const RENAME_WAITS_MS = [20, 50, 100, 200, 400, 800];

/** rename, retried while it fails with a transient error. */
export async function renameWithRetry(from: string, to: string, ops: FileOps = nodeFileOps): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ops.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!TRANSIENT.has(code) || attempt >= RENAME_WAITS_MS.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, RENAME_WAITS_MS[attempt]));
    }
  }
}

let counter = 0;

/** The temp name used for `file`; left-overs after a crash match `isTempName`. */
export function tempNameFor(file: string): string {
  return `${file}.tmp-${process.pid}-${++counter}`;
}

export function isTempName(name: string): boolean {
  return /\.tmp-\d+-\d+$/.test(name);
}

export async function writeFileAtomic(file: string, data: string, ops: FileOps = nodeFileOps): Promise<void> {
  const temp = tempNameFor(file);
  try {
    const handle = await ops.open(temp, 'w');
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameWithRetry(temp, file, ops);
  } catch (err) {
    // A full disk or a refused rename: the previous version stays, the temp file goes.
    await ops.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse to fsync a folder; the rename is still atomic.
  }
}

/** Runs jobs one after another per key; a failing job does not block the next. */
export class SerialQueue {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(job, job);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when every job queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

/** Removes temp files of interrupted writes, and journals of chats that no longer exist, once old enough. */
export async function removeStale(dir: string, names: readonly string[], now: number, log: Logger): Promise<void> {
  const orphans = names.filter((n) => isJournalName(n) && !names.includes(`${n.split('.')[0]}.json`));
  for (const name of [...names.filter(isTempName), ...orphans]) {
    const file = path.join(dir, name);
    try {
      const stat = await fs.stat(file);
      if (now - stat.mtimeMs > STALE_TEMP_MS) {
        await fs.rm(file, { force: true });
        log.info(`chat history: removed ${name}, left over from an interrupted write`);
      }
    } catch {
      // Gone already.
    }
  }
}
