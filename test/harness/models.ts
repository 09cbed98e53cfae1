// The llama-server and models the FIM benchmarks and the slow-server tests
// run against: the launcher (installed by ../shared/llama-server/install.sh),
// the tiny random-weight FIM model ("fast") and a ~100 MB model whose prompt
// processing costs about what a small real code model's does here ("slow"),
// written once into the cache.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const BENCH_MODEL = path.join(os.homedir(), '.cache', 'hearth', 'fim-bench-512x8.gguf');

/** ../shared/llama-server next to the project (the field guide's folder), or HEARTH_SHARED_LLAMA. */
export function sharedLlamaDir(root: string): string {
  return process.env.HEARTH_SHARED_LLAMA ?? path.resolve(root, '..', 'shared', 'llama-server');
}

/**
 * The benchmark's slow model: a ~100 MB random-weight model whose prompt
 * processing costs about what a small real code model's does here, written
 * once by ../shared/llama-server/make-model.sh into ~/.cache/hearth (never
 * committed) with a vocabulary learned from Python's standard library and
 * npm's sources. Undefined when it is missing and cannot be made.
 */
export function benchModel(root: string): string | undefined {
  if (fs.existsSync(BENCH_MODEL)) return BENCH_MODEL;
  const script = process.env.HEARTH_MAKE_MODEL ?? path.join(sharedLlamaDir(root), 'make-model.sh');
  if (!fs.existsSync(script)) return undefined;
  const python = fs
    .readdirSync('/usr/lib')
    .filter((d) => /^python3\.\d+$/.test(d))
    .map((d) => path.join('/usr/lib', d));
  const npmLib = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'lib');
  const corpus = [...python.slice(-1), ...(fs.existsSync(npmLib) ? [npmLib] : [])];
  if (corpus.length === 0) return undefined;
  fs.mkdirSync(path.dirname(BENCH_MODEL), { recursive: true });
  process.stderr.write(`writing the benchmark model ${BENCH_MODEL} (once; corpus ${corpus.join(', ')})\n`);
  try {
    execFileSync(script, [BENCH_MODEL, '--embd', '512', '--layers', '8', '--merges', '6000', '--corpus', ...corpus], {
      stdio: ['ignore', process.stderr, 'inherit'],
    });
  } catch (err) {
    process.stderr.write(`could not write the benchmark model: ${(err as Error).message}\n`);
    return undefined;
  }
  return fs.existsSync(BENCH_MODEL) ? BENCH_MODEL : undefined;
}

/**
 * The llama-server launcher: `explicit`, else HEARTH_TEST_LLAMA_SERVER, else
 * what ../shared/llama-server/install.sh prints (it installs once). Throws
 * with what to do when there is none.
 */
export function findLauncher(root: string, explicit?: string): string {
  const named = explicit ?? process.env.HEARTH_TEST_LLAMA_SERVER;
  let launcher = named;
  if (!launcher) {
    const install = path.join(sharedLlamaDir(root), 'install.sh');
    if (fs.existsSync(install)) {
      try {
        launcher = execFileSync(install, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
          .trim()
          .split('\n')
          .pop();
      } catch (err) {
        throw new Error(`${install} failed: ${(err as Error).message}`);
      }
    }
  }
  if (!launcher) {
    throw new Error(
      'no llama-server launcher: pass --launcher PATH or set HEARTH_TEST_LLAMA_SERVER ' +
        '(e.g. HEARTH_TEST_LLAMA_SERVER=$(/work/shared/llama-server/install.sh)); ' +
        `${path.join(sharedLlamaDir(root), 'install.sh')} was not found either`,
    );
  }
  try {
    fs.accessSync(launcher, fs.constants.X_OK);
  } catch {
    throw new Error(`the llama-server launcher ${launcher}${named ? '' : ' (printed by install.sh)'} is not an executable file`);
  }
  return launcher;
}
