// Engine-level FIM benchmark (`npm run bench:fim:engine`; the editor-level
// `npm run bench:fim`, bench/fim-editor.ts, is the source of truth): replays
// typing a region of a real TypeScript file (inside a 5,000-line document) through the CompletionEngine against a fake
// llama.cpp /infill server with a latency model — and, when
// HEARTH_TEST_LLAMA_SERVER/HEARTH_TEST_LLAMA_MODEL are set or --model is
// given, against a real llama-server. Prints the numbers and writes
// bench-results/fim.json.
//
// The real server's model: --model, else HEARTH_BENCH_FIM_MODEL, else
// ~/.cache/hearth/fim-bench-512x8.gguf (written once by make-model.sh when
// ../shared/llama-server is there), else HEARTH_TEST_LLAMA_MODEL.
//
//   npm run bench:fim:engine -- [--lines 10] [--seed 7]
//        [--model x.gguf] [--launcher llama-server] [--samplers top_k,top_p,temperature]
//        [--n-predict 48] [--no-compare] [--no-fake]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServerClient } from '../src/core/http';
import { nullLogger } from '../src/core/types';
import { CompletionEngine, type CompletionSettings } from '../src/core/completion/engine';
import { InfillBackend } from '../src/core/completion/infill';
import { ExtraRing } from '../src/core/completion/ring';
import type { SchedulerOptions } from '../src/core/completion/scheduler';
import type { CompletionStats } from '../src/core/completion/stats';
import { llamaFromEnv, startLlamaServer } from '../test/harness/llamaServer';
import { startFimServer, type GenerateInput } from '../test/fakes/fimRoutes';
import { makeReport, printReport, type RunReport, type ServerSide } from './fim-report';
import { pickRegion, replay, rng } from './fim-replay';
import { benchModel } from '../test/harness/models';

const DOC_LINES = 5000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** A 5,000-line document of real TypeScript from node_modules, and where it came from. */
function loadDocument(): { lines: string[]; files: string[]; extraSource: string[] } {
  const candidates = [
    'node_modules/@azure/msal-browser/src/controllers/StandardController.ts',
    'node_modules/@azure/msal-browser/src/cache/BrowserCacheManager.ts',
    'node_modules/openai/src/lib/transform.ts',
    'node_modules/openai/src/resources/chat/completions/completions.ts',
    'node_modules/openai/src/resources/responses/responses.ts',
  ].filter((f) => fs.existsSync(f));
  if (candidates.length < 2) throw new Error('bench/fim: no TypeScript sources found in node_modules (run npm install).');
  const lines: string[] = [];
  const files: string[] = [];
  for (const f of candidates) {
    if (lines.length >= DOC_LINES) break;
    lines.push(...fs.readFileSync(f, 'utf8').split('\n'));
    files.push(f);
  }
  const extraSource = fs.readFileSync(candidates[candidates.length - 1], 'utf8').split('\n');
  return { lines: lines.slice(0, DOC_LINES), files, extraSource };
}

/** The fake model: right about the next line most of the time, as a good local model is. */
function oracle(trueText: string, seed: number): (input: GenerateInput) => string {
  const random = rng(seed);
  return (input) => {
    const tail = input.prefix.slice(-300);
    const at = trueText.indexOf(tail);
    if (at < 0 || random() > 0.75) return 'undefined;\n';
    const rest = trueText.slice(at + tail.length);
    const firstNl = rest.indexOf('\n');
    const secondNl = firstNl < 0 ? -1 : rest.indexOf('\n', firstNl + 1);
    return secondNl < 0 ? rest : rest.slice(0, secondNl);
  };
}

interface RunSetup {
  name: string;
  url: string;
  nCtx: number;
  settings?: Partial<CompletionSettings>;
  scheduler?: Partial<SchedulerOptions>;
}

async function run(
  setup: RunSetup,
  doc: ReturnType<typeof loadDocument>,
  region: number,
  lines: number,
  seed: number,
  serverSide: () => Promise<ServerSide | undefined>,
): Promise<RunReport> {
  const client = new ServerClient({ name: setup.name, kind: 'llamacpp', url: setup.url }, { log: nullLogger });
  const ring = new ExtraRing();
  // Two other places the user looked at recently.
  ring.addAround('src/other.ts', (i) => doc.extraSource[i] ?? '', doc.extraSource.length, 200);
  ring.addAround('src/other.ts', (i) => doc.extraSource[i] ?? '', doc.extraSource.length, 900);
  const stats: CompletionStats[] = [];
  const engine = new CompletionEngine({
    backend: new InfillBackend(client),
    model: 'bench',
    nCtx: setup.nCtx,
    ring,
    scheduler: setup.scheduler,
    onStats: (s) => stats.push(s),
    settings: setup.settings,
  });
  const result = await replay({
    engine,
    lines: doc.lines,
    regionStart: region,
    regionLines: lines,
    fileName: 'src/controller.ts',
    languageId: 'typescript',
    seed,
  });
  engine.dispose();
  return makeReport(setup.name, engine.totals, stats, result, await serverSide());
}

async function metrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^llamacpp:(\w+) ([\d.e+-]+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Hearth's defaults, and (unless --no-compare) a naive client for contrast. */
function configs(): { label: string; settings?: Partial<CompletionSettings>; scheduler?: Partial<SchedulerOptions> }[] {
  const list: ReturnType<typeof configs> = [{ label: 'Hearth defaults' }];
  const factor = arg('rhythm-factor');
  if (factor) list[0] = { label: `Hearth, debounce ${factor}× typing rhythm`, scheduler: { rhythmFactor: Number(factor) } };
  if (!flag('no-compare')) {
    list.push({
      label: 'naive client (sliding 60-line prefix, 20-line suffix, fixed 30 ms debounce, no prefetch)',
      settings: { prefixLines: 60, prefixStep: 1, suffixLines: 20, prefetch: false, suffixMs: 1e9 },
      scheduler: { minDelayMs: 30, maxDelayMs: 30, defaultDelayMs: 30 },
    });
  }
  return list;
}

async function runFake(doc: ReturnType<typeof loadDocument>, region: number, lines: number, seed: number): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  const trueText = doc.lines.join('\n');
  for (const c of configs()) {
    const srv = await startFimServer({ promptMsPerToken: 1, genMsPerToken: 12, nCtx: 8192, slots: 1, generate: oracle(trueText, seed) });
    try {
      const setup = {
        name: `fake /infill (1 ms/prompt token, 12 ms/generated token) — ${c.label}`,
        url: srv.url,
        nCtx: 8192,
        settings: c.settings,
        scheduler: c.scheduler,
      };
      reports.push(await run(setup, doc, region, lines, seed, async () => srv.fake.summary()));
    } finally {
      await srv.close();
    }
    printReport(reports[reports.length - 1]);
  }
  return reports;
}

async function runReal(
  model: string,
  doc: ReturnType<typeof loadDocument>,
  region: number,
  lines: number,
  seed: number,
): Promise<RunReport[]> {
  const launcher =
    arg('launcher') ?? process.env.HEARTH_TEST_LLAMA_SERVER ?? path.join(process.env.HOME ?? '', '.cache/llama-server-deb/llama-server');
  const env = llamaFromEnv({ ...process.env, HEARTH_TEST_LLAMA_MODEL: model, HEARTH_TEST_LLAMA_SERVER: launcher });
  if (env.skipReason !== undefined) {
    console.log(`\nreal llama-server: skipped (${env.skipReason})`);
    return [];
  }
  // Random-weight test models have flat distributions: the `infill` sampler would end at
  // once, so leave it out for them (--samplers top_k,top_p,temperature; implied for
  // tiny*.gguf and the generated fim-bench*.gguf).
  const samplers =
    arg('samplers')?.split(',') ?? (/tiny|fim-bench/i.test(path.basename(env.model)) ? ['top_k', 'top_p', 'temperature'] : undefined);
  const base: Partial<CompletionSettings> = samplers ? { samplers, nPredict: Number(arg('n-predict') ?? 48) } : {};
  const reports: RunReport[] = [];
  for (const c of configs()) {
    // A fresh server per configuration, so neither inherits the other's prompt cache.
    const server = await startLlamaServer({ launcher: env.launcher, model: env.model, ctx: 8192, parallel: 1, extraArgs: ['--metrics'] });
    try {
      const props = (await (await fetch(`${server.url}/props`)).json()) as { default_generation_settings?: { n_ctx?: number } };
      const before = await metrics(server.url);
      const setup = {
        name: `real llama-server (${path.basename(env.model)}) — ${c.label}`,
        url: server.url,
        nCtx: props.default_generation_settings?.n_ctx ?? 8192,
        settings: { ...base, ...c.settings },
        scheduler: c.scheduler,
      };
      reports.push(
        await run(setup, doc, region, lines, seed, async () => {
          const after = await metrics(server.url);
          const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
          return {
            promptTokens: d('prompt_tokens_total'),
            cachedTokens: d('prompt_tokens_cached_total'),
            generatedTokens: d('tokens_predicted_total'),
          };
        }),
      );
    } finally {
      await server.stop();
    }
    printReport(reports[reports.length - 1]);
  }
  return reports;
}

async function main(): Promise<void> {
  const lines = Number(arg('lines') ?? 10);
  const seed = Number(arg('seed') ?? 7);
  const doc = loadDocument();
  const region = pickRegion(doc.lines, 1400, lines);
  console.log(
    `FIM bench: typing ${lines} lines (from line ${region + 1}) of a ${doc.lines.length}-line document built from ${doc.files.join(', ')}`,
  );
  const reports: RunReport[] = [];
  if (!flag('no-fake')) reports.push(...(await runFake(doc, region, lines, seed)));
  const model = arg('model') ?? process.env.HEARTH_BENCH_FIM_MODEL ?? benchModel(process.cwd()) ?? process.env.HEARTH_TEST_LLAMA_MODEL;
  if (model) reports.push(...(await runReal(model, doc, region, lines, seed)));
  else console.log('\nreal llama-server: skipped (set HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL, or pass --model)');

  fs.mkdirSync('bench-results', { recursive: true });
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    document: { files: doc.files, lines: doc.lines.length, regionStart: region, regionLines: lines },
    seed,
    runs: reports,
  };
  fs.writeFileSync('bench-results/fim.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwrote bench-results/fim.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
