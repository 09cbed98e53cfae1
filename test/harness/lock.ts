// An install lock: a directory next to the folder being installed, so that two
// runs started at once (say, two worktrees) never install into it together.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerCleanup, sleep } from './processes';

/**
 * Runs `install` while holding `${target}.lock`, unless `done()` says another
 * process finished the work meanwhile. Waits while a live process holds the
 * lock, and breaks a lock whose holder is gone.
 */
export async function withInstallLock<T>(
  target: string,
  done: () => boolean,
  install: () => Promise<T>,
  log: (message: string) => void,
  timeoutMs = 15 * 60_000,
): Promise<T | undefined> {
  const lockDir = `${target}.lock`;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    if (tryLock(lockDir)) break;
    if (done()) return undefined;
    if (isStale(lockDir)) {
      log(`removing stale lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) log(`another process is installing ${path.basename(target)}; waiting for ${lockDir}`);
    announced = true;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${lockDir}`);
    await sleep(1000);
  }
  const remove = () => fs.rmSync(lockDir, { recursive: true, force: true });
  const unregister = registerCleanup(remove);
  try {
    return done() ? undefined : await install();
  } finally {
    unregister();
    remove();
  }
}

function tryLock(lockDir: string): boolean {
  try {
    fs.mkdirSync(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
  return true;
}

function isStale(lockDir: string): boolean {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
  } catch {
    // The holder may be between mkdir and writing its pid (judged by age below).
  }
  if (!pid) {
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > 30_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
