// `npm run bench:soak`: runs bench/soakHost.ts in the real VS Code extension
// host (the same code-server + headless Chromium as the integration tests):
// 1,000 chat turns and 10,000 completion requests against a fake llama.cpp,
// sampling the host's heap after a full GC. Prints the samples and whether
// the heap stayed flat, writes bench-results/soak.json, and exits 1 when it
// grew.
//
// Env: HEARTH_SOAK_TURNS, HEARTH_SOAK_REQUESTS (smaller runs while iterating),
// HEARTH_SOAK_SNAPSHOTS (a folder for two heap snapshots of the completion run, to compare).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixtureWorkspace, projectRoot } from '../test/harness/fixtures';
import { cleanupAll, registerCleanup } from '../test/harness/processes';
import { ensureVSCode, openWorkbench, startVSCodeServer } from '../test/harness/vscode';
import { RESULT_PREFIX, type Sample, type SoakResult } from './soakResult';

/** Growth allowed from the first warm sample to the end (MB): GC noise and V8's own caches. */
const FLAT_MB = 8;

/** Least-squares slope of heap over work, in MB per 1,000 units. */
function slope(samples: Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.done, 0) / n;
  const my = samples.reduce((s, p) => s + p.heapMB, 0) / n;
  const num = samples.reduce((s, p) => s + (p.done - mx) * (p.heapMB - my), 0);
  const den = samples.reduce((s, p) => s + (p.done - mx) ** 2, 0);
  return den ? (num / den) * 1000 : 0;
}

/** Samples after the warm-up (the first fifth of the run fills caches that then stay). */
function warm(samples: Sample[]): Sample[] {
  const last = samples[samples.length - 1]?.done ?? 0;
  return samples.filter((s) => s.done >= last / 5);
}

function verdict(name: string, unit: string, samples: Sample[]): { text: string; flat: boolean } {
  const w = warm(samples);
  const growth = w.length ? w[w.length - 1].heapMB - w[0].heapMB : 0;
  const flat = growth < FLAT_MB;
  const text =
    `${name}: heap ${w[0]?.heapMB} MB → ${w[w.length - 1]?.heapMB} MB after warm-up (growth ${growth.toFixed(1)} MB, ` +
    `slope ${slope(w).toFixed(2)} MB per 1,000 ${unit}) — ${flat ? 'flat' : `GREW more than ${FLAT_MB} MB`}`;
  return { text, flat };
}

async function main(): Promise<number> {
  const root = projectRoot();
  const workspace = copyFixtureWorkspace();
  const unregister = registerCleanup(() => workspace.remove());
  let result: SoakResult | undefined;
  await ensureVSCode();
  const server = await startVSCodeServer({});
  let exited: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const workbench = await openWorkbench({
    server,
    folder: workspace.folder,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'bench', 'soakHost.js'),
    onLog: (_type, message) => {
      const line = message.trim();
      if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as SoakResult;
      else if (/soak|Error/.test(line)) process.stderr.write(`${line}\n`);
    },
    onExit: (code) => {
      setTimeout(() => exited(code), 1000); // the last log line travels separately
    },
  });
  let code: number;
  try {
    code = await exit;
  } finally {
    await workbench.close();
    await server.stop();
    workspace.remove();
    unregister();
    await cleanupAll();
  }
  if (!result) {
    process.stderr.write(`soak: no result (the extension host exited with ${code})\n`);
    return 1;
  }
  fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench-results', 'soak.json'), JSON.stringify(result, null, 2));
  const chat = verdict('chat', 'turns', result.chat.samples);
  const completion = verdict('completion', 'requests', result.completion.samples);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`soak (${result.node}, load ${load}):`);
  console.log(
    `  chat: ${result.chat.turns} turns in ${(result.chat.ms / 1000).toFixed(1)} s (${(result.chat.ms / result.chat.turns).toFixed(1)} ms each), ${result.chat.errors} errors`,
  );
  console.log(`    heap MB: ${result.chat.samples.map((s) => `${s.done}:${s.heapMB}`).join(' ')}`);
  console.log(`  ${chat.text}`);
  console.log(
    `  completion: ${result.completion.requests} requests (${result.completion.served} reached the server) in ${(result.completion.ms / 1000).toFixed(1)} s (${(result.completion.ms / result.completion.requests).toFixed(2)} ms each), ${result.completion.errors} without a suggestion`,
  );
  console.log(`    heap MB: ${result.completion.samples.map((s) => `${s.done}:${s.heapMB}`).join(' ')}`);
  console.log(`  ${completion.text}`);
  return chat.flat && completion.flat && code === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`soak: ${(error as Error).stack ?? error}\n`);
    void cleanupAll().finally(() => process.exit(1));
  },
);
