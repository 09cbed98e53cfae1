// One run's world for the editor-level FIM benchmark: a fresh llama-server
// (`-np 2 -c 32768 --metrics`), the counting proxy in front of it, a fresh VS
// Code 1.100.3 (code-server, test harness) whose user settings point Hearth at
// the proxy, the web workbench in headless Chromium with the extension under
// development, the completion model picked from the command palette, and the
// fixture open with the cursor where the typing starts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openFile, selectCompletionModel } from '../test/e2e/workbenchActions';
import { startRecordingProxy, type RecordingProxy } from '../test/harness/completionProxy';
import { startLlamaServer, type LlamaServer } from '../test/harness/llamaServer';
import { registerCleanup } from '../test/harness/processes';
import { openWorkbench, startVSCodeServer, waitForWorkbench, type VSCodeServer, type Workbench } from '../test/harness/vscode';
import type { TypingPlan } from './fim-editor-typing';

/** The typed file (bench/fixtures/) and the first line (0-based) of the region typed. */
export const FIXTURE = { file: 'option.js', start: 257 };

/** The llama.cpp samplers without `infill`: the random-weight bench models answer end-of-generation at once with it. */
export const BENCH_SAMPLERS = ['top_k', 'top_p', 'temperature'];

/**
 * Editor settings of the bench workspace: typing must rebuild the source
 * exactly, so no auto-closing, indentation kept as is on Enter (the plan
 * fixes it up), and nothing that Enter or a typed character could accept.
 * By default the suggest widget stays closed; with `suggestWidget` it opens
 * as usual (quick suggestions) but is never accepted.
 */
export function workspaceSettings(suggestWidget: boolean): Record<string, unknown> {
  return {
    'editor.autoClosingBrackets': 'never',
    'editor.autoClosingQuotes': 'never',
    'editor.autoClosingComments': 'never',
    'editor.autoClosingOvertype': 'never',
    'editor.autoSurround': 'never',
    'editor.autoIndent': 'keep',
    'editor.formatOnType': false,
    'editor.detectIndentation': false,
    'editor.insertSpaces': true,
    'editor.tabSize': 2,
    ...(suggestWidget
      ? {}
      : { 'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' }, 'editor.suggestOnTriggerCharacters': false }),
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.acceptSuggestionOnCommitCharacter': false,
    'editor.inlineSuggest.enabled': true,
    'files.autoSave': 'off',
  };
}

export interface SessionOptions {
  root: string;
  launcher: string;
  model: string;
  plan: TypingPlan;
  /** Let VS Code's suggest widget open while typing (see workspaceSettings). */
  suggestWidget: boolean;
  /** Extra user settings (merged over the bench's own). */
  settings?: Record<string, unknown>;
  log?: (line: string) => void;
}

export interface Session {
  page: Page;
  proxy: RecordingProxy;
  llama: LlamaServer;
  /** The typed file on disk. */
  file: string;
  close(): Promise<void>;
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const log = o.log ?? (() => undefined);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-fim-'));
  const folder = path.join(temp, 'workspace');
  const file = path.join(folder, FIXTURE.file);
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings(o.suggestWidget), null, 2));
  fs.writeFileSync(file, o.plan.document);
  let llama: LlamaServer | undefined;
  let proxy: RecordingProxy | undefined;
  let server: VSCodeServer | undefined;
  let workbench: Workbench | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await workbench?.close();
      await server?.stop();
      await proxy?.close();
      await llama?.stop();
      fs.rmSync(temp, { recursive: true, force: true });
      unregister();
    })());
  const unregister = registerCleanup(() => fs.rmSync(temp, { recursive: true, force: true }), close);
  try {
    llama = await step('llama-server', () =>
      startLlamaServer({
        launcher: o.launcher,
        model: o.model,
        ctx: 32768,
        parallel: 2,
        extraArgs: ['--metrics'],
        startTimeoutMs: 120_000,
      }),
    );
    log(`llama-server ${path.basename(o.model)} on ${llama.url}`);
    proxy = await startRecordingProxy(llama.url);
    const settings = {
      'hearth.servers': [{ name: 'Bench llama.cpp', kind: 'llamacpp', url: proxy.url }],
      'hearth.autoDetect': false,
      'hearth.completion.samplers': BENCH_SAMPLERS,
      ...o.settings,
    };
    server = await step('VS Code server', () =>
      startVSCodeServer({ userDataDir: path.join(temp, 'user-data'), userSettings: settings, smokeTestDriver: true }),
    );
    log(`VS Code on ${server.url}, proxy on ${proxy.url}`);
    workbench = await step('workbench', () =>
      openWorkbench({ server: server!, folder, extensionDevelopmentPath: o.root, viewport: { width: 1280, height: 860 } }),
    );
    const page = workbench.page;
    await step('workbench start', () => waitForWorkbench(page));
    // On a busy machine the extension can take a while to start: wait for its status bar item, and try the palette twice.
    await step('waiting for Hearth to start', () =>
      page.locator('.statusbar-item', { hasText: 'Hearth:' }).first().waitFor({ timeout: 180_000 }),
    );
    await step('selecting the completion model', () => twice(page, () => selectCompletionModel(page, path.basename(o.model))));
    await step('opening the fixture', () => twice(page, () => openFile(page, FIXTURE.file)));
    await step('moving the cursor', () => goTo(page, o.plan.line + 1, o.plan.column + 1));
    return { page, proxy, llama, file, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs a workbench action; if it fails, closes what it left open (Escape) and runs it once more. */
async function twice(page: Page, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch {
    await page.keyboard.press('Escape');
    await action();
  }
}

/** Go to Line (Ctrl+G) `line:column` (1-based), then wait for the status bar to show it. */
async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
  await page
    .locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` })
    .first()
    .waitFor({ timeout: 10_000 });
}

/** Saves the typed file (Ctrl+S) and returns its text once VS Code wrote it. */
export async function savedText(session: Session): Promise<string> {
  await session.page.keyboard.press('Control+S');
  await session.page.locator('.tab.active.dirty').waitFor({ state: 'detached', timeout: 10_000 });
  return fs.readFileSync(session.file, 'utf8');
}
