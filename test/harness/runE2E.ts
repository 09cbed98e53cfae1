// `npm run test:e2e`: chat and inline completion end to end. Starts a fake
// llama.cpp serving chat and /infill (and a real llama-server when
// HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL are set), VS Code 1.100.3
// (or HEARTH_VSCODE's version) with both configured, and the web workbench in
// headless Chromium; runs the cases of test/e2e/chat.e2e.ts and
// test/e2e/ghostText.e2e.ts with Playwright; saves screenshots to
// test-results/; ends with `e2e: N passed, N failed, N skipped`.
// Env: HEARTH_TEST_GREP (only cases whose name matches), HEARTH_TEST_VERBOSE=1.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cases as chatCases } from '../e2e/chat.e2e';
import { cases as ghostCases, fakeFimModel } from '../e2e/ghostText.e2e';
import type { E2EContext } from '../e2e/context';
import { ChatRoutes, mountChat } from '../fakes/chatRoutes';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import { startLlamaCpp, type FakeLlamaCpp } from '../fakes/fakeLlamaCpp';
import { copyFixtureWorkspace, projectRoot } from './fixtures';
import { llamaFromEnv, startLlamaServer, type LlamaServer } from './llamaServer';
import { cleanupAll, registerCleanup } from './processes';
import { DEFAULT_USER_SETTINGS, openWorkbench, startVSCodeServer, waitForWorkbench, type VSCodeServer, type Workbench } from './vscode';

const verbose = process.env.HEARTH_TEST_VERBOSE === '1';
const CASE_TIMEOUT_MS = 90_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = projectRoot();
  const resultsDir = path.join(root, 'test-results');
  const workspace = copyFixtureWorkspace();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-user-'));
  const unregister = registerCleanup(() => {
    workspace.remove();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  let fake: FakeLlamaCpp | undefined;
  let real: LlamaServer | undefined;
  let server: VSCodeServer | undefined;
  let workbench: Workbench | undefined;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const fakeModel = '/models/fake-e2e.gguf';
    // Its template takes tools, so the chat offers them (the tool-card case scripts calls).
    fake = await startLlamaCpp({ model: fakeModel, nCtx: 8192, tools: true });
    const routes = mountChat(fake, new ChatRoutes());
    const fim = mountFim(fake, new FimFake({ generate: fakeFimModel, promptMsPerToken: 0.05, genMsPerToken: 2 }));
    const llama = llamaFromEnv();
    let realModel = '';
    if (llama.skipReason === undefined) {
      // A long context and max_tokens: the tiny test model writes ~2,700 tokens/s, and the test must catch it mid-reply.
      // One thread: the tiny model then writes more slowly, so Stop lands mid-reply even on an idle machine.
      real = await startLlamaServer({ launcher: llama.launcher, model: llama.model, ctx: 16384, parallel: 1, extraArgs: ['-t', '1'] });
      realModel = real.modelId;
    }
    const servers = [{ name: 'E2E fake', kind: 'llamacpp', url: fake.url }];
    if (real) servers.push({ name: 'Real llama.cpp', kind: 'llamacpp', url: real.url });
    const settings: Record<string, unknown> = {
      ...DEFAULT_USER_SETTINGS,
      'hearth.servers': servers,
      'hearth.autoDetect': false,
      'hearth.chat.maxTokens': 8000,
      // The random-weight test model sometimes ends a reply early; the Stop case needs it still going.
      'hearth.chat.extraBody': { ignore_eos: true },
      // The test model has random weights: leave llama.cpp's `infill` sampler out (the fake ignores it).
      'hearth.completion.samplers': ['top_k', 'top_p', 'temperature'],
      'hearth.completion.maxTokens': 24,
      'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
      'editor.suggestOnTriggerCharacters': false,
      'workbench.colorTheme': 'Default Dark Modern',
    };
    server = await startVSCodeServer({
      userDataDir,
      userSettings: settings,
      onOutput: verbose ? (l) => process.stderr.write(`[server] ${l}\n`) : undefined,
    });
    process.stderr.write(`e2e: VS Code on ${server.url}, fake llama.cpp on ${fake.url}${real ? `, llama-server on ${real.url}` : ''}\n`);
    const open = async () => {
      const wb = await openWorkbench({
        server: server!,
        folder: workspace.folder,
        extensionDevelopmentPath: root,
        viewport: { width: 1280, height: 860 },
        onConsole: verbose ? (type, text) => process.stderr.write(`[browser ${type}] ${text}\n`) : undefined,
      });
      await waitForWorkbench(wb.page);
      return wb;
    };
    workbench = await open();
    const ctx: E2EContext = {
      page: workbench.page,
      fake: { routes, fim, url: fake.url, model: fakeModel },
      real: real ? { url: real.url, model: realModel } : undefined,
      realSkipReason: llama.skipReason,
      resultsDir,
      async reload() {
        await ctx.page.reload({ waitUntil: 'domcontentloaded' });
        await waitForWorkbench(ctx.page);
      },
    };
    const grep = process.env.HEARTH_TEST_GREP;
    const cases = [
      ...chatCases.map((c) => ({ ...c, name: `chat: ${c.name}` })),
      ...ghostCases.map((c) => ({ ...c, name: `completion: ${c.name}` })),
    ];
    for (const c of cases) {
      if (grep && !c.name.includes(grep)) continue;
      const reason = c.skip?.(ctx);
      if (reason) {
        counts.skipped++;
        process.stdout.write(`  - ${c.name} (skipped: ${reason})\n`);
        continue;
      }
      const t0 = Date.now();
      try {
        await withTimeout(c.run(ctx), CASE_TIMEOUT_MS, c.name);
        counts.passed++;
        process.stdout.write(`  ✔ ${c.name} (${Date.now() - t0} ms)\n`);
      } catch (error) {
        counts.failed++;
        process.stdout.write(
          `  ✘ ${c.name}\n    ${String((error as Error).stack ?? error)
            .split('\n')
            .slice(0, 6)
            .join('\n    ')}\n`,
        );
        const shot = path.join(resultsDir, `failed-${counts.failed}.png`);
        fs.mkdirSync(resultsDir, { recursive: true });
        await ctx.page.screenshot({ path: shot }).catch(() => undefined);
        process.stdout.write(`    screenshot of the failure: ${shot}\n`);
      }
    }
  } catch (error) {
    process.stderr.write(`e2e: ${(error as Error).stack ?? error}\n`);
    if (server) process.stderr.write(`--- VS Code server output (tail) ---\n${server.output().split('\n').slice(-20).join('\n')}\n`);
    counts.failed++;
  } finally {
    await workbench?.close();
    await server?.stop();
    await real?.stop();
    await fake?.close();
    workspace.remove();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    unregister();
    await cleanupAll();
  }
  process.stderr.write(`e2e: finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`e2e: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  return counts.failed > 0 || counts.passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`e2e: ${(error as Error).stack ?? error}\n`);
    void cleanupAll().finally(() => process.exit(1));
  },
);
