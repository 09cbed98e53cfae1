// `npm run bench:fim`: inline completion measured in the real editor. For each
// configuration a fresh llama-server (`-np 2 -c 32768 --metrics`) runs behind
// a counting proxy; VS Code 1.100.3 (code-server, test harness) opens in
// headless Chromium with the built extension, the completion model is picked
// from the command palette, and Playwright types 10 lines of
// bench/fixtures/option.js back into the file, one real keystroke at a time
// (seeded 60–180 ms gaps, 16 pauses of 1.5 s at line ends and mid-line; ghost
// text is never accepted). VS Code's own debounce and cancellation are in the
// loop. Per run: pauses with ghost text and pause → ghost text p50/p90 (DOM),
// requests sent/aborted/completed and the most in flight (proxy), prompt and
// generated tokens and server time (/metrics), tokens thrown away, how long
// aborted requests kept a slot busy (server log), the machine's load.
// Prints a table per configuration; writes bench-results/fim-editor.json and
// the server logs and request records to bench-results/fim-editor-logs/.
//
//   npm run bench:fim -- [--server fast|slow|both] [--runs 2] [--seed 7]
//        [--launcher PATH] [--fast-model X.gguf] [--slow-model X.gguf]
//        [--max-load L] [--suggest-widget] [--verbose]
//
// --max-load: before each run, wait (up to 15 min) until the 1-minute load
// average is at most L; on a shared machine other work skews every number.
// --suggest-widget: let VS Code's suggest widget open while typing, as with
// default settings (never accepted); by default it stays closed.
//
// fast: ../shared/llama-server/tiny-fim.gguf (HEARTH_BENCH_FAST_MODEL); slow:
// ~/.cache/hearth/fim-bench-512x8.gguf, written once by make-model.sh
// (HEARTH_BENCH_FIM_MODEL). The launcher: --launcher, HEARTH_TEST_LLAMA_SERVER,
// else what ../shared/llama-server/install.sh prints. The engine-level bench
// (no editor) is `npm run bench:fim:engine`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../test/harness/fixtures';
import { cleanupAll } from '../test/harness/processes';
import { selectedVersion } from '../test/harness/versions';
import { benchModel, findLauncher, sharedLlamaDir } from '../test/harness/models';
import { BENCH_SAMPLERS, FIXTURE, workspaceSettings } from './fim-editor-session';
import { THROWN_AWAY_DEFINITION, printTable, type RunResult } from './fim-editor-report';
import { runOnce } from './fim-editor-run';
import { DEFAULT_TYPING, typingPlan } from './fim-editor-typing';

const VSCODE_VERSION = selectedVersion().vscode;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Config {
  name: 'fast' | 'slow';
  model: string;
}

function configs(root: string, which: string): Config[] {
  if (!['fast', 'slow', 'both'].includes(which)) throw new Error(`--server must be fast, slow or both (not ${which})`);
  const out: Config[] = [];
  if (which !== 'slow') {
    const model = arg('fast-model') ?? process.env.HEARTH_BENCH_FAST_MODEL ?? path.join(sharedLlamaDir(root), 'tiny-fim.gguf');
    if (!fs.existsSync(model)) throw new Error(`the fast model ${model} does not exist (pass --fast-model or set HEARTH_BENCH_FAST_MODEL)`);
    out.push({ name: 'fast', model });
  }
  if (which !== 'fast') {
    const model = arg('slow-model') ?? process.env.HEARTH_BENCH_FIM_MODEL ?? benchModel(root);
    if (!model || !fs.existsSync(model))
      throw new Error(
        'no slow model: pass --slow-model, set HEARTH_BENCH_FIM_MODEL, or make ../shared/llama-server/make-model.sh available',
      );
    out.push({ name: 'slow', model });
  }
  return out;
}

/** Waits until the 1-minute load average is at most `max` (or 15 minutes passed). */
async function waitForLoad(max: number): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  let said = false;
  while (os.loadavg()[0] > max && Date.now() < deadline) {
    if (!said) process.stderr.write(`[bench] waiting for the load average (${os.loadavg()[0].toFixed(2)}) to drop to ${max}\n`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
  if (os.loadavg()[0] > max) process.stderr.write(`[bench] load still ${os.loadavg()[0].toFixed(2)} after 15 min: running anyway\n`);
}

async function main(): Promise<number> {
  const root = projectRoot();
  const runs = Number(arg('runs') ?? 2);
  const seed = Number(arg('seed') ?? 7);
  const verbose = process.argv.includes('--verbose');
  const suggestWidget = process.argv.includes('--suggest-widget');
  const maxLoad = arg('max-load') === undefined ? undefined : Number(arg('max-load'));
  if (!(runs >= 1) || !Number.isFinite(seed)) throw new Error('--runs must be 1 or more and --seed a number');
  const list = configs(root, arg('server') ?? 'both');
  const launcher = findLauncher(root, arg('launcher'));
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')))
    throw new Error('dist/extension.js is missing: run `node esbuild.mjs --tests` first');
  const source = fs.readFileSync(path.join(root, 'bench', 'fixtures', FIXTURE.file), 'utf8');
  const plan = typingPlan(source, { ...DEFAULT_TYPING, start: FIXTURE.start, seed });
  const outDir = path.join(root, 'bench-results');
  const logDir = path.join(outDir, 'fim-editor-logs');
  fs.mkdirSync(logDir, { recursive: true });
  console.log(
    `FIM bench in the editor (VS Code ${VSCODE_VERSION}): typing lines ${FIXTURE.start + 1}–${FIXTURE.start + DEFAULT_TYPING.lines} of bench/fixtures/${FIXTURE.file}, ` +
      `${plan.keys.length} keystrokes, ${plan.pauses} pauses, seed ${seed}; ${runs} run(s) per server`,
  );
  const results: RunResult[] = [];
  for (const config of list) {
    const mine: RunResult[] = [];
    for (let run = 1; run <= runs; run++) {
      if (maxLoad !== undefined) await waitForLoad(maxLoad);
      process.stderr.write(`[bench] ${config.name} run ${run}/${runs} (${path.basename(config.model)})\n`);
      const result = await runOnce({
        root,
        launcher,
        config: config.name,
        model: config.model,
        plan,
        seed,
        run,
        logDir,
        verbose,
        suggestWidget,
      });
      mine.push(result);
      if (result.error) process.stderr.write(`[bench] ${config.name} run ${run} failed: ${result.error}\n`);
    }
    printTable(`${config.name} server: ${path.basename(config.model)} (llama-server -np 2 -c 32768)`, mine);
    results.push(...mine);
  }
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    vscode: VSCODE_VERSION,
    launcher,
    llamaServerArgs: ['-np', '2', '-c', '32768', '--metrics'],
    fixture: { file: `bench/fixtures/${FIXTURE.file}`, firstLine: FIXTURE.start + 1, lines: DEFAULT_TYPING.lines },
    typing: { ...DEFAULT_TYPING, seed, keystrokes: plan.keys.length, pauses: plan.pauses, acceptsGhostText: false },
    settings: { workspace: workspaceSettings(suggestWidget), samplers: BENCH_SAMPLERS },
    definitions: {
      pauseWithGhost:
        'ghost text (DOM .ghost-text-decoration / .ghost-text) became visible after the keystroke before the pause and before the next keystroke (or within 1.5 s after the last one); latency from that keystroke (page clock)',
      requests:
        'POSTs to /infill, /completion, /v1/completions seen by the proxy from the first keystroke until the server was idle again; aborted = the client closed the connection before the response ended',
      serverTokens:
        'llama-server /metrics counter deltas over the same span, read once no slot is busy (aborted requests are counted when their slot is released)',
      tokensThrownAway: THROWN_AWAY_DEFINITION,
    },
    runs: results,
  };
  fs.writeFileSync(path.join(outDir, 'fim-editor.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote bench-results/fim-editor.json (server logs and request records in bench-results/fim-editor-logs/)`);
  return results.some((r) => r.error) ? 1 : 0;
}

main()
  .catch((error: unknown) => {
    console.error(`bench:fim: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  });
