// A real VS Code 1.100.3 without internet: the server and web workbench that
// ship inside the npm package code-server, installed once into a cache folder
// (like @vscode/test-electron caches its download), then started per run.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForHttp } from './net';
import { registerCleanup, signalGroup, sleep, stopGroup } from './processes';
import { ensureRipgrep, ripgrepPath, withoutNpmConfig } from './ripgrep';

export { openWorkbench, payloadUrl, waitForWorkbench } from './workbench';
export type { Workbench, WorkbenchOptions } from './workbench';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';

const MARKER = '.hearth-installed';

function cacheDir(): string {
  return process.env.HEARTH_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'hearth', `code-server-${CODE_SERVER_VERSION}`);
}

function progress(message: string): void {
  process.stderr.write(`[vscode] ${message}\n`);
}

/** Installs VS Code (once) and returns the path of its `lib/vscode` folder. */
export async function ensureVSCode(): Promise<string> {
  const root = cacheDir();
  const vscodeDir = path.join(root, 'node_modules', 'code-server', 'lib', 'vscode');
  if (isInstalled(root, vscodeDir)) {
    if (!fs.existsSync(ripgrepPath(vscodeDir))) progress('warning: no rg binary; workspace.findFiles and text search will fail');
    return vscodeDir;
  }
  fs.mkdirSync(path.dirname(root), { recursive: true });
  const release = await acquireLock(`${root}.lock`, () => isInstalled(root, vscodeDir));
  try {
    if (isInstalled(root, vscodeDir)) return vscodeDir;
    const started = Date.now();
    progress(`installing code-server@${CODE_SERVER_VERSION} (VS Code ${VSCODE_VERSION}) into ${root}`);
    fs.mkdirSync(root, { recursive: true });
    const manifest = path.join(root, 'package.json');
    if (!fs.existsSync(manifest)) {
      fs.writeFileSync(manifest, JSON.stringify({ name: 'hearth-vscode-cache', private: true }, null, 2));
    }
    // --ignore-scripts: the postinstall downloads ripgrep from the net and fails here.
    await npm(root, ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund']);
    progress('installing VS Code server dependencies');
    await npm(vscodeDir, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
    const asar = path.join(vscodeDir, 'node_modules.asar');
    if (!fs.existsSync(asar)) fs.symlinkSync('node_modules', asar);
    progress('rebuilding native modules (best effort)');
    try {
      await npm(vscodeDir, ['rebuild', '@vscode/spdlog', 'native-watchdog']);
    } catch (error) {
      progress(`native rebuild failed (only log noise follows): ${String(error)}`);
    }
    const ripgrep = ensureRipgrep(vscodeDir, progress);
    progress(ripgrep ? `ripgrep: ${ripgrep}` : 'warning: no rg binary; workspace.findFiles and text search will fail');
    if (!fs.existsSync(path.join(vscodeDir, 'out', 'server-main.js'))) {
      throw new Error(`install finished but ${vscodeDir}/out/server-main.js is missing`);
    }
    fs.writeFileSync(path.join(root, MARKER), JSON.stringify({ version: CODE_SERVER_VERSION, date: new Date().toISOString() }));
    progress(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return vscodeDir;
  } finally {
    release();
  }
}

function isInstalled(root: string, vscodeDir: string): boolean {
  return fs.existsSync(path.join(root, MARKER)) && fs.existsSync(path.join(vscodeDir, 'out', 'server-main.js'));
}

/** A lock directory; waits while another live process holds it, breaks stale ones. */
async function acquireLock(lockDir: string, done: () => boolean): Promise<() => void> {
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      const unregister = registerCleanup(() => fs.rmSync(lockDir, { recursive: true, force: true }));
      return () => {
        unregister();
        fs.rmSync(lockDir, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (done()) return () => undefined;
    if (isStale(lockDir)) {
      progress(`removing stale lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) progress(`another process is installing VS Code; waiting for ${lockDir}`);
    announced = true;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${lockDir}`);
    await sleep(1000);
  }
}

function isStale(lockDir: string): boolean {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
  } catch {
    // The holder may be between mkdir and writing its pid: judge by age.
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

/** Runs npm in `cwd` with its output on our stderr, without the calling npm's settings. */
function npm(cwd: string, args: string[]): Promise<void> {
  const env = withoutNpmConfig();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')} in ${cwd} failed (${signal ?? code})`)),
    );
  });
}

export interface VSCodeServerOptions {
  port?: number;
  /** Extra environment for the server and its extension host (the parent's env is forwarded). */
  env?: NodeJS.ProcessEnv;
  /** Reuse this user-data dir (kept on stop) so that a test can restart with the same state. */
  userDataDir?: string;
  /**
   * Turn on VS Code's smoke-test driver (`window.driver` in the page, which
   * waitForWorkbench uses). Side effect: modal dialogs are auto-answered, as in
   * extension tests. Default off, so a person using `npm start` sees dialogs.
   */
  smokeTestDriver?: boolean;
  /** User settings merged over DEFAULT_USER_SETTINGS (written only when the user-data dir has none yet). */
  userSettings?: Record<string, unknown>;
  /** Receives the server's own stdout/stderr lines. */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
}

/** Quiet, offline-friendly defaults; workspace trust off so the fixture workspace is trusted. */
export const DEFAULT_USER_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

export interface VSCodeServer {
  port: number;
  url: string;
  vscodeDir: string;
  /** The last lines the server printed. */
  output(): string;
  /** Settles (with the reason) when the server process exits, stopped or not. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** Starts VS Code's own server (`out/server-main.js`) with fresh data folders. */
export async function startVSCodeServer(options: VSCodeServerOptions = {}): Promise<VSCodeServer> {
  const vscodeDir = await ensureVSCode();
  const port = options.port ?? (await freePort());
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-vscode-'));
  const userDataDir = options.userDataDir ?? path.join(temp, 'user-data');
  const dirs = [path.join(temp, 'server-data'), userDataDir, path.join(temp, 'extensions')];
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
  // code-server keeps the web workbench's user settings on the server, in the user-data dir.
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...options.userSettings }, null, 2));
  }

  // EXTENSIONS_GALLERY={} (read by code-server's build): no marketplace, so no failing
  // queries to open-vsx.org on a machine without internet.
  const env: NodeJS.ProcessEnv = { EXTENSIONS_GALLERY: '{}', ...process.env, ...options.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  const args = [
    'out/server-main.js',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--server-data-dir',
    dirs[0],
    '--user-data-dir',
    dirs[1],
    '--extensions-dir',
    dirs[2],
    ...(options.smokeTestDriver ? ['--enable-smoke-test-driver'] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: vscodeDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onChunk = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 200) tail.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  let exitReason: string | undefined;
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => resolve((exitReason = `server exited (${signal ?? `code ${code}`})`))),
  );

  const removeTemp = () => fs.rmSync(temp, { recursive: true, force: true });
  const unregister = registerCleanup(
    () => {
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
      removeTemp();
    },
    async () => {
      await stopGroup(child);
      removeTemp();
    },
  );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await stopGroup(child);
      child.stdout?.destroy();
      child.stderr?.destroy();
      removeTemp();
      unregister();
    })());

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/`, { timeoutMs: options.startTimeoutMs ?? 60_000, abort: () => exitReason });
  } catch (error) {
    await stop();
    throw new Error(`VS Code server did not start: ${(error as Error).message}\n${tail.slice(-30).join('\n')}`);
  }
  return { port, url, vscodeDir, output: () => tail.join('\n'), exited, stop };
}
