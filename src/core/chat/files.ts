// Crash-safe file writes for the chat history: write a temp file, fsync it,
// rename it over the target (atomic on one file system), fsync the folder
// where the platform allows. Writes to one path run one after another.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

let counter = 0;

/** The temp name used for `file`; left-overs after a crash match `isTempName`. */
export function tempNameFor(file: string): string {
  return `${file}.tmp-${process.pid}-${++counter}`;
}

export function isTempName(name: string): boolean {
  return /\.tmp-\d+-\d+$/.test(name);
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temp = tempNameFor(file);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
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
