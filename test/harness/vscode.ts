// Starts a real VS Code without internet: the server and web workbench that
// ship inside the npm package code-server (installed once per version by
// install.ts; the version comes from versions.ts / HEARTH_VSCODE).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureVSCode } from './install';
import { freePort, waitForHttp } from './net';
import { registerCleanup, signalGroup, stopGroup } from './processes';
import { selectedVersion, type VSCodeVersion } from './versions';

export { ensureVSCode } from './install';
export { openWorkbench, payloadUrl, waitForWorkbench } from './workbench';
export type { Workbench, WorkbenchOptions } from './workbench';
export type { VSCodeVersion } from './versions';

export interface VSCodeServerOptions {
  /** Default: HEARTH_VSCODE, else the oldest in versions.ts (1.100.3). */
  version?: VSCodeVersion;
  port?: number;
  /** Extra environment for the server and its extension host (the parent's env is forwarded). */
  env?: NodeJS.ProcessEnv;
  /** Reuse this user-data dir (kept on stop) so that a test can restart with the same state. */
  userDataDir?: string;
  /**
   * VS Code's smoke-test driver (`window.driver` in the page, which
   * waitForWorkbench uses). Side effect: modal dialogs are auto-answered, as in
   * extension tests. Default on; `npm start` turns it off so that a person sees
   * dialogs, except on versions that load no extension from the URL without it.
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
  version: VSCodeVersion;
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
  const { version, vscodeDir, node } = await ensureVSCode(options.version ?? selectedVersion());
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
    // Without GitHub's sign-in extension: offline it only logs that it waits for a session.
    '--disable-extension',
    'vscode.github-authentication',
    ...(options.smokeTestDriver !== false || version.needsSmokeTestDriver ? ['--enable-smoke-test-driver'] : []),
  ];
  const child = spawn(node, args, { cwd: vscodeDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { version, port, url, vscodeDir, output: () => tail.join('\n'), exited, stop };
}
