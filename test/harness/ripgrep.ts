// VS Code's file and text search (workspace.findFiles, findTextInFiles) runs
// the `rg` binary of @vscode/ripgrep, whose postinstall downloads it from
// GitHub: that fails here, so the binary comes from elsewhere. VS Code 1.139
// ships @vscode/ripgrep-universal instead, with the binaries inside.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function ripgrepPath(vscodeDir: string): string {
  const universal = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep-universal');
  if (fs.existsSync(universal)) return path.join(universal, 'bin', `${process.platform}-${process.arch}`, 'rg');
  return path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
}

/**
 * Puts an `rg` binary where VS Code looks for it. Tries, in order: `rg` on
 * PATH, Debian's `ripgrep` package (downloaded and unpacked, not installed),
 * the package's own postinstall (needs GitHub). Returns how, or undefined.
 */
export function ensureRipgrep(vscodeDir: string, log: (message: string) => void): string | undefined {
  const target = ripgrepPath(vscodeDir);
  if (works(target)) return 'already present';
  fs.mkdirSync(path.dirname(target), { recursive: true });

  const onPath = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && works(onPath)) {
    fs.copyFileSync(onPath, target);
    fs.chmodSync(target, 0o755);
    return `copied ${onPath}`;
  }

  const fromDebian = unpackDebianRipgrep(log);
  if (fromDebian) {
    fs.copyFileSync(fromDebian.binary, target);
    fs.chmodSync(target, 0o755);
    fromDebian.cleanup();
    if (works(target)) return "Debian's ripgrep package";
  }

  log('trying @vscode/ripgrep postinstall (downloads from GitHub)');
  const env = withoutNpmConfig();
  spawnSync('npm', ['rebuild', '@vscode/ripgrep'], { cwd: vscodeDir, env, stdio: ['ignore', 2, 2], timeout: 120_000 });
  return works(target) ? '@vscode/ripgrep postinstall' : undefined;
}

function unpackDebianRipgrep(log: (message: string) => void): { binary: string; cleanup(): void } | undefined {
  if (spawnSync('sh', ['-c', 'command -v apt-get && command -v dpkg'], { stdio: 'ignore' }).status !== 0) return undefined;
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-rg-'));
  const cleanup = () => fs.rmSync(temp, { recursive: true, force: true });
  const download = () =>
    spawnSync('apt-get', ['download', '-qq', 'ripgrep'], {
      cwd: temp,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
  log("downloading Debian's ripgrep package");
  let result = download();
  if (result.status !== 0) {
    log(`apt-get download ripgrep failed (${(result.stderr || '').trim()}); running apt-get update once`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 2], timeout: 180_000 });
    result = download();
  }
  const deb = fs.readdirSync(temp).find((name) => name.endsWith('.deb'));
  if (result.status !== 0 || !deb) {
    cleanup();
    return undefined;
  }
  const unpacked = path.join(temp, 'root');
  if (spawnSync('dpkg', ['-x', path.join(temp, deb), unpacked], { stdio: 'ignore' }).status !== 0) {
    cleanup();
    return undefined;
  }
  return { binary: path.join(unpacked, 'usr', 'bin', 'rg'), cleanup };
}

function works(binary: string): boolean {
  return fs.existsSync(binary) && spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** The environment without the calling npm's settings (npm_config_*), which would redirect an inner npm. */
export function withoutNpmConfig(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return env;
}
