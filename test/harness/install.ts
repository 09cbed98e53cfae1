// Installs, once per version, a real VS Code without internet: the server and
// web workbench inside the npm package code-server, and the Node it needs
// (the npm package node-<platform>-<arch>) when this machine's Node is another
// major. Both go into a cache folder, like @vscode/test-electron's download.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withInstallLock } from './lock';
import { ensureRipgrep, ripgrepPath, withoutNpmConfig } from './ripgrep';
import { selectedVersion, type VSCodeVersion } from './versions';

const MARKER = '.hearth-installed';

export interface InstalledVSCode {
  version: VSCodeVersion;
  /** code-server's `lib/vscode` folder (holds `out/server-main.js`). */
  vscodeDir: string;
  /** The Node executable to run the server with. */
  node: string;
}

/** HEARTH_VSCODE_CACHE, else ~/.cache/hearth: holds code-server-<version>/ and node-<major>/. */
export function cacheRoot(): string {
  return process.env.HEARTH_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'hearth');
}

function progress(message: string): void {
  process.stderr.write(`[vscode] ${message}\n`);
}

/** Installs VS Code `version` (default: HEARTH_VSCODE or the oldest) and its Node, once. */
export async function ensureVSCode(version: VSCodeVersion = selectedVersion()): Promise<InstalledVSCode> {
  const node = await ensureNode(version.nodeMajor);
  const root = path.join(cacheRoot(), `code-server-${version.codeServer}`);
  const vscodeDir = path.join(root, 'node_modules', 'code-server', 'lib', 'vscode');
  const installed = () => fs.existsSync(path.join(root, MARKER)) && fs.existsSync(path.join(vscodeDir, 'out', 'server-main.js'));
  if (!installed()) {
    await withInstallLock(root, installed, () => installCodeServer(version, root, vscodeDir, node), progress);
  } else if (!fs.existsSync(ripgrepPath(vscodeDir))) {
    progress('warning: no rg binary; workspace.findFiles and text search will fail');
  }
  return { version, vscodeDir, node: node.executable };
}

async function installCodeServer(version: VSCodeVersion, root: string, vscodeDir: string, node: NodeRuntime): Promise<void> {
  const started = Date.now();
  progress(`installing code-server@${version.codeServer} (VS Code ${version.vscode}) into ${root}`);
  writeManifest(root, 'hearth-vscode-cache');
  // --ignore-scripts: the postinstall downloads ripgrep from the net and fails here.
  await npm(root, ['install', `code-server@${version.codeServer}`, '--ignore-scripts', '--no-audit', '--no-fund']);
  progress('installing VS Code server dependencies');
  await npm(vscodeDir, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
  const asar = path.join(vscodeDir, 'node_modules.asar');
  if (!fs.existsSync(asar)) fs.symlinkSync('node_modules', asar);
  // Native modules built for the Node that runs the server (its headers ship in the node package).
  const natives = ['@vscode/spdlog', 'native-watchdog', '@vscode/native-watchdog'].filter((name) =>
    fs.existsSync(path.join(vscodeDir, 'node_modules', name, 'package.json')),
  );
  progress(`rebuilding ${natives.join(', ')} for Node ${version.nodeMajor} (best effort)`);
  try {
    await npm(vscodeDir, ['rebuild', ...natives, ...(node.headers ? [`--nodedir=${node.headers}`] : [])]);
  } catch (error) {
    progress(`native rebuild failed (only log noise follows): ${String(error)}`);
  }
  // 1.139 ships its own rg (@vscode/ripgrep-universal); older ones need one put in place.
  const ripgrep = ensureRipgrep(vscodeDir, progress);
  progress(ripgrep ? `ripgrep: ${ripgrep}` : 'warning: no rg binary; workspace.findFiles and text search will fail');
  if (!fs.existsSync(path.join(vscodeDir, 'out', 'server-main.js'))) {
    throw new Error(`install finished but ${vscodeDir}/out/server-main.js is missing`);
  }
  writeMarker(root, version.codeServer);
  progress(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

interface NodeRuntime {
  executable: string;
  /** The folder with include/node, for building native modules; undefined: npm's own default. */
  headers?: string;
}

/** This machine's Node when its major matches, else `node-<platform>-<arch>@<major>` from npm, installed once. */
export async function ensureNode(major: number): Promise<NodeRuntime> {
  if (Number(process.versions.node.split('.')[0]) === major) return { executable: process.execPath };
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const name = `node-${platform}-${process.arch}`;
  const root = path.join(cacheRoot(), `node-${major}`);
  const packageDir = path.join(root, 'node_modules', name);
  const executable = path.join(packageDir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  const installed = () => fs.existsSync(path.join(root, MARKER)) && runsMajor(executable, major);
  if (!installed()) {
    await withInstallLock(
      root,
      installed,
      async () => {
        progress(`installing ${name}@${major} (Node ${major} for VS Code's server) into ${root}`);
        writeManifest(root, 'hearth-node-cache');
        await npm(root, ['install', `${name}@${major}`, '--no-audit', '--no-fund']);
        if (!runsMajor(executable, major)) throw new Error(`${executable} is not a working Node ${major}`);
        writeMarker(root, `${name}@${major}`);
      },
      progress,
    );
  }
  return { executable, headers: packageDir };
}

function runsMajor(executable: string, major: number): boolean {
  if (!fs.existsSync(executable)) return false;
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && result.stdout.trim().startsWith(`v${major}.`);
}

function writeManifest(root: string, name: string): void {
  fs.mkdirSync(root, { recursive: true });
  const manifest = path.join(root, 'package.json');
  if (!fs.existsSync(manifest)) fs.writeFileSync(manifest, JSON.stringify({ name, private: true }, null, 2));
}

function writeMarker(root: string, what: string): void {
  fs.writeFileSync(path.join(root, MARKER), JSON.stringify({ installed: what, date: new Date().toISOString() }));
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
