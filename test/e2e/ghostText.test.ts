// End-to-end: inline completion as a person sees it. VS Code 1.100.3's web
// workbench in headless Chromium (Playwright) with Hearth loaded, a fake
// llama.cpp /infill (and a real llama-server when HEARTH_TEST_LLAMA_SERVER /
// HEARTH_TEST_LLAMA_MODEL are set): the completion model is picked from the
// command palette, typing in a Python file shows ghost text in the editor DOM
// (`.ghost-text-decoration`), and Tab inserts it.
//
//   npm run test:e2e:ghost     (HEARTH_TEST_VERBOSE=1 for server and browser logs)
//
// Self-contained (test/harness/runE2E.ts runs the chat's cases): it starts and
// stops its own VS Code, servers and browser, and ends with
// `e2e-ghost: N passed, N failed, N skipped`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startLlamaCpp, type FakeLlamaCpp } from '../fakes/fakeLlamaCpp';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import { copyFixtureWorkspace, projectRoot } from '../harness/fixtures';
import { llamaFromEnv, startLlamaServer, type LlamaServer } from '../harness/llamaServer';
import { cleanupAll, registerCleanup } from '../harness/processes';
import { DEFAULT_USER_SETTINGS, openWorkbench, startVSCodeServer, waitForWorkbench, type VSCodeServer, type Workbench } from '../harness/vscode';

const FAKE_MODEL = '/models/qwen2.5-coder-e2e-q8_0.gguf';
const CASE_TIMEOUT_MS = 90_000;
const verbose = process.env.HEARTH_TEST_VERBOSE === '1';

export interface GhostContext {
  page: Page;
  fake: { url: string; fim: FimFake };
  real?: { url: string; model: string };
  realSkipReason?: string;
  resultsDir: string;
}

export interface GhostCase {
  name: string;
  skip?: (ctx: GhostContext) => string | undefined;
  run(ctx: GhostContext): Promise<void>;
}

/** The fake model: finishes `return a + b` from whatever the current line has of it. */
function fakeModel(input: { prefix: string }): string {
  const full = 'return a + b';
  const line = input.prefix.slice(input.prefix.lastIndexOf('\n') + 1).trimStart();
  for (let k = Math.min(line.length, full.length); k > 0; k--) if (full.startsWith(line.slice(line.length - k))) return full.slice(k);
  return '';
}

/** Runs a command from the palette by its title. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Hearth: Select Completion Model, then the row whose label contains `model`. */
async function selectCompletionModel(page: Page, model: string): Promise<void> {
  await runCommand(page, 'Hearth: Select Completion Model');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: model }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
  await page.locator('.statusbar-item', { hasText: model }).filter({ hasText: 'Hearth:' }).first().waitFor({ timeout: 10_000 });
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active`, { hasText: name }).waitFor();
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
}

/** The text VS Code renders for the line holding the cursor (spaces as spaces). */
async function cursorLineText(page: Page): Promise<string> {
  const text = await page.locator('.editor-instance .view-overlays .current-line').first().evaluate((overlay) => {
    const top = (overlay.parentElement as HTMLElement).style.top;
    const lines = [...document.querySelectorAll<HTMLElement>('.editor-instance .view-lines .view-line')];
    return lines.find((l) => l.style.top === top)?.innerText ?? '';
  });
  return text.replace(/\u00a0/g, ' ');
}

/** Ghost text shown in the editor right now. */
async function ghostText(page: Page): Promise<string> {
  const parts = await page.locator('.editor-instance .ghost-text-decoration, .editor-instance .ghost-text').allInnerTexts();
  return parts.join('').replace(/\u00a0/g, ' ');
}

async function waitForGhost(page: Page, check: (ghost: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await ghostText(page);
    if (check(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`no matching ghost text within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** A fresh line at the end of the open file, indented by 4 spaces. */
async function newIndentedLine(page: Page): Promise<void> {
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type('def add(a, b):', { delay: 20 });
  await page.keyboard.press('Enter');
  const line = await cursorLineText(page);
  if (!line.startsWith('    ')) await page.keyboard.type('    '.slice(line.length));
}

export const cases: GhostCase[] = [
  {
    name: 'picks the completion model from the command palette',
    async run(ctx) {
      await selectCompletionModel(ctx.page, FAKE_MODEL);
    },
  },
  {
    name: 'ghost text appears in the editor as you type, and Tab inserts it (fake /infill)',
    async run(ctx) {
      const { page } = ctx;
      await openFile(page, 'util.py');
      await newIndentedLine(page);
      const before = ctx.fake.fim.records.length;
      await page.keyboard.type('ret', { delay: 60 });
      const ghost = await waitForGhost(page, (g) => g.includes('urn a + b'));
      assert.equal(ghost.trim(), 'urn a + b');
      assert.ok(ctx.fake.fim.records.length > before, 'the ghost text came from the server');
      const shot = path.join(ctx.resultsDir, 'ghost-text.png');
      fs.mkdirSync(ctx.resultsDir, { recursive: true });
      await page.locator('.editor-instance').first().screenshot({ path: shot });
      await page.keyboard.press('Tab');
      await waitForGhost(page, (g) => g === '', 5000);
      assert.equal((await cursorLineText(page)).trimEnd(), '    return a + b');
    },
  },
  {
    name: 'ghost text from a real llama-server, and Tab inserts it',
    skip: (ctx) => (ctx.real ? undefined : ctx.realSkipReason),
    async run(ctx) {
      const { page } = ctx;
      await selectCompletionModel(page, path.basename(ctx.real!.model));
      await page.locator('.editor-instance .monaco-editor textarea').first().focus();
      await newIndentedLine(page);
      await page.keyboard.type('x', { delay: 60 });
      const ghost = await waitForGhost(page, (g) => g.trim().length > 0, 30_000);
      await page.keyboard.press('Tab');
      await waitForGhost(page, (g) => !g.includes(ghost), 5000);
      const line = await cursorLineText(page);
      assert.equal(line.trim(), `x${ghost}`.trim(), 'Tab inserted the ghost text');
    },
  },
];

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = projectRoot();
  const resultsDir = path.join(root, 'test-results');
  const workspace = copyFixtureWorkspace();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-ghost-'));
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
    fake = await startLlamaCpp({ model: FAKE_MODEL, nCtx: 8192, slots: 1 });
    const fim = mountFim(fake, new FimFake({ generate: fakeModel, promptMsPerToken: 0.05, genMsPerToken: 2 }));
    const llama = llamaFromEnv();
    let realModel = '';
    if (llama.skipReason === undefined) {
      real = await startLlamaServer({ launcher: llama.launcher, model: llama.model, ctx: 4096, parallel: 1 });
      realModel = ((await (await fetch(`${real.url}/v1/models`)).json()) as { data: { id: string }[] }).data[0].id;
    }
    const servers = [{ name: 'E2E fake', kind: 'llamacpp', url: fake.url }];
    if (real) servers.push({ name: 'Real llama.cpp', kind: 'llamacpp', url: real.url });
    const settings: Record<string, unknown> = {
      ...DEFAULT_USER_SETTINGS,
      'hearth.servers': servers,
      'hearth.autoDetect': false,
      // The test model has random weights: leave llama.cpp's `infill` sampler out (the fake ignores it).
      'hearth.completion.samplers': ['top_k', 'top_p', 'temperature'],
      'hearth.completion.maxTokens': 24,
      'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
      'editor.suggestOnTriggerCharacters': false,
      'workbench.colorTheme': 'Default Dark Modern',
    };
    server = await startVSCodeServer({ userDataDir, userSettings: settings, onOutput: verbose ? (l) => process.stderr.write(`[server] ${l}\n`) : undefined });
    process.stderr.write(`e2e-ghost: VS Code on ${server.url}, fake llama.cpp on ${fake.url}${real ? `, llama-server on ${real.url}` : ''}\n`);
    workbench = await openWorkbench({
      server,
      folder: workspace.folder,
      extensionDevelopmentPath: root,
      viewport: { width: 1280, height: 860 },
      onConsole: verbose ? (type, text) => process.stderr.write(`[browser ${type}] ${text}\n`) : undefined,
    });
    await waitForWorkbench(workbench.page);
    const ctx: GhostContext = { page: workbench.page, fake: { url: fake.url, fim }, real: real ? { url: real.url, model: realModel } : undefined, realSkipReason: llama.skipReason, resultsDir };
    const grep = process.env.HEARTH_TEST_GREP;
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
        process.stdout.write(`  ✘ ${c.name}\n    ${String((error as Error).stack ?? error).split('\n').slice(0, 6).join('\n    ')}\n`);
        const shot = path.join(resultsDir, `ghost-failed-${counts.failed}.png`);
        fs.mkdirSync(resultsDir, { recursive: true });
        await ctx.page.screenshot({ path: shot }).catch(() => undefined);
        process.stdout.write(`    screenshot of the failure: ${shot}\n`);
      }
    }
  } catch (error) {
    process.stderr.write(`e2e-ghost: ${(error as Error).stack ?? error}\n`);
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
  process.stderr.write(`e2e-ghost: finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`e2e-ghost: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  return counts.failed > 0 || counts.passed === 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`e2e-ghost: ${(error as Error).stack ?? error}\n`);
      void cleanupAll().finally(() => process.exit(1));
    },
  );
}
