// `npm run test:integration`: runs out/test/integration/**/*.test.js inside a
// real VS Code (code-server's server + web workbench, headless Chromium),
// streams mocha's output and ends with
// `integration (VS Code 1.100.3): N passed, N failed, N skipped` and the
// reasons of the skipped tests.
//
// Then a second VS Code with workspace trust on runs the Restricted Mode
// tests (test/integration/*.restricted.test.ts) in the untrusted folder.
//
// The version: `--vscode 1.139.1` (or `newest`), else HEARTH_VSCODE, else 1.100.3
// (see versions.ts). Env: HEARTH_TEST_TIMEOUT_MS (default 480000), HEARTH_TEST_GREP (mocha grep;
// the Restricted Mode workbench starts only when it matches /restricted/i),
// HEARTH_TEST_VERBOSE=1 (also print server and browser logs),
// HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL (forwarded to the tests).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RELOAD_TAG, SUMMARY_PREFIX, type Summary } from '../integration/index';
import { copyFixtureWorkspace, projectRoot } from './fixtures';
import { llamaFromEnv } from './llamaServer';
import { benchModel } from './models';
import { cleanupAll, registerCleanup } from './processes';
import { skipLines } from './skips';
import { selectedVersion, type VSCodeVersion } from './versions';
import { ensureVSCode, openWorkbench, startVSCodeServer, type VSCodeServer, type Workbench } from './vscode';

// Workbench and extension-host log messages that say nothing about the tests.
const NOISE = [
  /open-vsx\.org/i,
  /spdlog/i,
  /^DialogService: refused to show dialog in tests\. Contents: Do you trust the authors/,
  /marketplace|extensionsGallery|gallery service/i,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^\[Service Worker\]/,
  /builtin extensions cache/,
  /^ChatSessionStore:/,
  /^Ignoring fetching additional builtin extensions/,
  /^\[lifecycle\]/,
  // The workbench's inline-suggest code touching an editor a test just closed, and TypeScript's
  // built-in extension without its tsserver (code-server ships none): neither is Hearth's.
  /^Model is disposed!/,
  /Could not find bundled tsserver\.js/,
  // Newer workbenches (1.139): start-up timings, the built-in Copilot Chat and its agent host
  // (signed out and offline here; its sqlite3 module is not built), the smoke-test driver's dialog note.
  /^Creation of workbench contribution '/,
  /^\[reconnection-grace-time\]/,
  /^\[(AgentHost|AgentHost:remote|RemoteAgentHostProtocol)\]/,
  /^\[ChatModelSelection\]/,
  /^\[AccountPolicyGate\]/,
  /^Timed out waiting for authentication provider 'github'/,
  /^DialogService: Dialog requested during smoke test/,
  /^Error creating chat editing session content folder/,
  /^Attempted to report in-progress status for unknown chat session type/,
];
// Once the tests have reported, the workbench stops the extension host: newer ones log its pending calls as canceled.
const SHUTDOWN_NOISE = [/^Canceled\b/];
const verbose = process.env.HEARTH_TEST_VERBOSE === '1';

function isNoise(message: string, testsDone: boolean): boolean {
  return NOISE.some((pattern) => pattern.test(message)) || (testsDone && SHUTDOWN_NOISE.some((pattern) => pattern.test(message)));
}

class Timeout extends Error {}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Whether the Restricted Mode workbench runs: always, or when HEARTH_TEST_GREP names it. */
function wantsRestricted(): boolean {
  const grep = process.env.HEARTH_TEST_GREP;
  return !grep || /restricted/i.test(grep);
}

async function main(): Promise<number> {
  const version: VSCodeVersion = selectedVersion(process.argv.slice(2));
  const label = `integration (VS Code ${version.vscode})`;
  const started = Date.now();
  const timeoutMs = Number(process.env.HEARTH_TEST_TIMEOUT_MS) || 8 * 60_000;
  let summary: Summary | undefined;
  const servers: VSCodeServer[] = [];
  const workbenches: Workbench[] = [];
  let timer: NodeJS.Timeout | undefined;
  const root = projectRoot();
  const workspace = copyFixtureWorkspace();
  const unregister = registerCleanup(() => workspace.remove());

  // Phase file: the first window load runs all tests but the @after-reload
  // ones; then the page is reloaded (a new extension host, same browser
  // profile and server) and only those run, proving what survives a reload.
  // Last, a second VS Code with workspace trust on runs the Restricted Mode
  // files (*.restricted.test.ts) in a folder it does not trust.
  const phaseFile = path.join(workspace.folder, '..', 'hearth-test-phase');
  fs.writeFileSync(phaseFile, 'first');
  const add = (a: Summary | undefined, b: Summary | undefined): Summary | undefined =>
    a && b
      ? {
          passed: a.passed + b.passed,
          failed: a.failed + b.failed,
          skipped: a.skipped + b.skipped,
          skippedTests: [...(a.skippedTests ?? []), ...(b.skippedTests ?? [])],
        }
      : (a ?? b);

  /** Starts a VS Code, opens the workbench with the tests, and runs `phases` against it. */
  const withWorkbench = async (
    userSettings: Record<string, unknown> | undefined,
    phases: (w: { page: Workbench['page']; exit: () => Promise<{ code: number; summary?: Summary }> }) => Promise<number>,
  ): Promise<number> => {
    const server = await startVSCodeServer({
      version,
      env: { HEARTH_TEST_PHASE_FILE: phaseFile, HEARTH_TEST_VSCODE: version.vscode },
      userSettings,
      onOutput: verbose ? (line) => process.stderr.write(`[server] ${line}\n`) : undefined,
    });
    servers.push(server);
    process.stderr.write(`integration: VS Code ${version.vscode} server on ${server.url}, workspace ${workspace.folder}\n`);
    let phaseSummary: Summary | undefined;
    let exited: ((code: number) => void) | undefined;
    let nextExit = new Promise<number>((resolve) => (exited = resolve));
    const exit = async () => {
      const code = await nextExit;
      const result = { code, summary: phaseSummary };
      phaseSummary = undefined;
      nextExit = new Promise<number>((resolve) => (exited = resolve));
      return result;
    };
    let fail: (error: Error) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    void server.exited.then((reason) => fail(new Error(`the VS Code ${reason}`)));
    const run = async (): Promise<number> => {
      const opened = await openWorkbench({
        server,
        folder: workspace.folder,
        extensionDevelopmentPath: root,
        extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
        onLog: (type, message) => {
          const trimmed = message.trim();
          if (trimmed.startsWith(SUMMARY_PREFIX)) {
            phaseSummary = JSON.parse(trimmed.slice(SUMMARY_PREFIX.length)) as Summary;
          } else if (verbose || !isNoise(message, phaseSummary !== undefined)) {
            (type === 'error' ? process.stderr : process.stdout).write(`${message}\n`);
          }
        },
        // The last log lines travel separately from the exit code: give the summary a moment.
        onExit: (code) => void waitFor(() => phaseSummary !== undefined, 3000).then(() => exited?.(code)),
        onConsole: verbose ? (type, text) => process.stderr.write(`[browser ${type}] ${text}\n`) : undefined,
      });
      workbenches.push(opened);
      // Fail fast instead of waiting for the timeout (after the tests these are no-ops).
      opened.page.on('crash', () => fail(new Error('the workbench page crashed')));
      opened.browser.on('disconnected', () => fail(new Error('the browser went away')));
      return phases({ page: opened.page, exit });
    };
    try {
      return await Promise.race([run(), failure]);
    } finally {
      await Promise.all(workbenches.splice(0).map((w) => w.close()));
      await server.stop();
    }
  };

  const all = async (): Promise<number> => {
    const main = await withWorkbench(undefined, async ({ page, exit }) => {
      const first = await exit();
      summary = first.summary;
      if (process.env.HEARTH_TEST_GREP || first.code !== 0 || !summary) return first.code;
      // Reload: a new extension host in the same browser profile and server.
      process.stdout.write(`\n  (window reloaded: ${RELOAD_TAG} tests)\n`);
      fs.writeFileSync(phaseFile, 'after-reload');
      const second = exit();
      await page.reload({ waitUntil: 'domcontentloaded' });
      const after = await second;
      summary = add(summary, after.summary ?? { passed: 0, failed: 1, skipped: 0 });
      return after.code;
    });
    if (!wantsRestricted()) return main;
    process.stdout.write('\n  (a second VS Code with workspace trust on: Restricted Mode tests)\n');
    fs.writeFileSync(phaseFile, 'restricted');
    const restricted = await withWorkbench(
      { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' },
      async ({ exit }) => {
        const result = await exit();
        summary = add(summary, result.summary ?? { passed: 0, failed: 1, skipped: 0 });
        return result.code;
      },
    );
    return main !== 0 ? main : restricted;
  };
  let code: number;
  try {
    // The time limit is for the tests: a first install of this version (1–2 minutes) and of the
    // slow model for the slow-server tests (about 15 s, once) come before it.
    await ensureVSCode(version);
    if (llamaFromEnv().skipReason === undefined && !process.env.HEARTH_TEST_SLOW_MODEL) {
      const slow = benchModel(root);
      if (slow) process.env.HEARTH_TEST_SLOW_MODEL = slow;
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Timeout(`integration: timed out after ${timeoutMs / 1000} s (HEARTH_TEST_TIMEOUT_MS)`)),
        timeoutMs,
      );
    });
    code = await Promise.race([all(), timeout]);
    if (code !== 0) process.stderr.write(`integration: the workbench reported exit code ${code}\n`);
  } catch (error) {
    const detail = verbose ? ((error as Error).stack ?? String(error)) : (error as Error).message;
    process.stderr.write(`${error instanceof Timeout ? detail : `integration: ${detail}`}\n`);
    const server = servers[servers.length - 1];
    if (server && !verbose)
      process.stderr.write(`--- VS Code server output (tail) ---\n${server.output().split('\n').slice(-20).join('\n')}\n`);
    code = 1;
  } finally {
    clearTimeout(timer);
    await Promise.all(workbenches.map((w) => w.close()));
    await Promise.all(servers.map((s) => s.stop()));
    workspace.remove();
    unregister();
    await cleanupAll();
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!summary) {
    process.stderr.write(`integration: no test summary was reported (${seconds} s); counting the run as one failure\n`);
    summary = { passed: 0, failed: 1, skipped: 0 };
  } else {
    process.stderr.write(`integration: VS Code ${version.vscode} finished in ${seconds} s\n`);
  }
  process.stdout.write(`${label}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n`);
  for (const line of skipLines(summary.skippedTests ?? [])) process.stdout.write(`${line}\n`);
  if (summary.failed > 0 || summary.passed + summary.skipped === 0) return 1;
  return code === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`integration: ${(error as Error).stack ?? error}\n`);
    void cleanupAll().finally(() => process.exit(1));
  },
);
