// `npm run test:integration`: runs out/test/integration/**/*.test.js inside a
// real VS Code 1.100.3 (code-server's server + web workbench, headless
// Chromium), streams mocha's output and ends with
// `integration: N passed, N failed, N skipped`.
//
// Env: HEARTH_TEST_TIMEOUT_MS (default 480000), HEARTH_TEST_GREP (mocha grep),
// HEARTH_TEST_VERBOSE=1 (also print server and browser logs),
// HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL (forwarded to the tests).
import * as path from 'node:path';
import { SUMMARY_PREFIX, Summary } from '../integration/index';
import { copyFixtureWorkspace, projectRoot } from './fixtures';
import { cleanupAll, registerCleanup } from './processes';
import { ensureVSCode, openWorkbench, startVSCodeServer, VSCodeServer, Workbench } from './vscode';

// Workbench and extension-host log messages that say nothing about the tests.
const NOISE = [
  /open-vsx\.org/i, /spdlog/i, /^DialogService: refused to show dialog in tests\. Contents: Do you trust the authors/, /marketplace|extensionsGallery|gallery service/i,
  /^(Resolving|Resolved) connection token/, /^Creating a socket/, /^\[Service Worker\]/, /builtin extensions cache/,
  /^ChatSessionStore:/,
];
const verbose = process.env.HEARTH_TEST_VERBOSE === '1';

class Timeout extends Error {}

async function main(): Promise<number> {
  const started = Date.now();
  const timeoutMs = Number(process.env.HEARTH_TEST_TIMEOUT_MS) || 8 * 60_000;
  let summary: Summary | undefined;
  let server: VSCodeServer | undefined;
  let workbench: Workbench | undefined;
  let timer: NodeJS.Timeout | undefined;
  const root = projectRoot();
  const workspace = copyFixtureWorkspace();
  const unregister = registerCleanup(() => workspace.remove());

  const run = async (): Promise<number> => {
    await ensureVSCode();
    server = await startVSCodeServer({ onOutput: verbose ? (line) => process.stderr.write(`[server] ${line}\n`) : undefined });
    process.stderr.write(`integration: VS Code server on ${server.url}, workspace ${workspace.folder}\n`);
    const activeServer = server;
    return await new Promise<number>((resolve, reject) => {
      openWorkbench({
        server: activeServer,
        folder: workspace.folder,
        extensionDevelopmentPath: root,
        extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
        onLog: (type, message) => {
          const trimmed = message.trim();
          if (trimmed.startsWith(SUMMARY_PREFIX)) {
            summary = JSON.parse(trimmed.slice(SUMMARY_PREFIX.length)) as Summary;
          } else if (verbose || !NOISE.some((pattern) => pattern.test(message))) {
            (type === 'error' ? process.stderr : process.stdout).write(`${message}\n`);
          }
        },
        onExit: (code) => resolve(code),
        onConsole: verbose ? (type, text) => process.stderr.write(`[browser ${type}] ${text}\n`) : undefined,
      }).then((opened) => (workbench = opened), reject);
    });
  };
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`integration: timed out after ${timeoutMs / 1000} s (HEARTH_TEST_TIMEOUT_MS)`)), timeoutMs);
  });

  let code: number;
  try {
    code = await Promise.race([run(), timeout]);
    if (code !== 0) process.stderr.write(`integration: the workbench reported exit code ${code}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Timeout ? error.message : `integration: ${(error as Error).stack ?? error}`}\n`);
    if (server && !verbose) process.stderr.write(`--- VS Code server output (tail) ---\n${server.output().split('\n').slice(-20).join('\n')}\n`);
    code = 1;
  } finally {
    clearTimeout(timer);
    await workbench?.close();
    await server?.stop();
    workspace.remove();
    unregister();
    await cleanupAll();
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!summary) {
    process.stderr.write(`integration: no test summary was reported (${seconds} s); counting the run as one failure\n`);
    summary = { passed: 0, failed: 1, skipped: 0 };
  } else {
    process.stderr.write(`integration: finished in ${seconds} s\n`);
  }
  process.stdout.write(`integration: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n`);
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
