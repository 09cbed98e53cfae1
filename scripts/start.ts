// `npm start [-- FOLDER] [--screenshot FILE]`: runs VS Code 1.100.3 (from the
// npm package code-server; HEARTH_VSCODE picks another version of
// test/harness/versions.ts) with Hearth loaded from this project, and prints
// the URL to open in a browser. Ctrl+C stops it.
//   FOLDER             workspace to open (default: the directory npm was started from)
//   --screenshot FILE  open the workbench in headless Chromium, save a PNG, then exit
// Env: HEARTH_PORT (default 3900; a free port if taken), HEARTH_USER_DATA_DIR
// (keep VS Code's user settings there between runs; default: a temp dir).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../test/harness/fixtures';
import { freePort, isPortFree } from '../test/harness/net';
import { cleanupAll, shutdownSignal } from '../test/harness/processes';
import { ensureVSCode, openWorkbench, payloadUrl, startVSCodeServer, waitForWorkbench } from '../test/harness/vscode';

interface StartArgs {
  folder: string;
  screenshot?: string;
}

function parseArgs(argv: string[]): StartArgs {
  // npm runs scripts in the project root; INIT_CWD is where `npm start` was typed.
  const cwd = process.env.INIT_CWD || process.cwd();
  let folder: string | undefined;
  let screenshot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--screenshot') {
      screenshot = argv[++i];
      if (!screenshot) throw new Error('--screenshot needs a file name');
      screenshot = path.resolve(cwd, screenshot);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm start -- [FOLDER] [--screenshot FILE]\n');
      process.exit(0);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`);
    } else {
      folder = path.resolve(cwd, arg);
    }
  }
  folder ??= cwd;
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new Error(`${folder} is not a folder`);
  return { folder, screenshot };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = projectRoot();
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
    process.stderr.write(`warning: ${root}/dist/extension.js is missing; build first (node esbuild.mjs)\n`);
  }
  const { version } = await ensureVSCode();
  const preferred = Number(process.env.HEARTH_PORT) || 3900;
  const port = (await isPortFree(preferred)) ? preferred : await freePort();
  if (port !== preferred) process.stderr.write(`port ${preferred} is taken; using ${port}\n`);
  const userDataDir = process.env.HEARTH_USER_DATA_DIR ? path.resolve(process.env.HEARTH_USER_DATA_DIR) : undefined;
  // No smoke-test driver, so that dialogs reach the person (versions that need it to load Hearth still get it).
  const server = await startVSCodeServer({ version, port, userDataDir, smokeTestDriver: false });
  const options = { server, folder: args.folder, extensionDevelopmentPath: root };
  process.stdout.write(`Hearth is running in VS Code ${version.vscode} at: ${payloadUrl(options)}\n`);

  if (args.screenshot) {
    const workbench = await openWorkbench(options);
    try {
      await waitForWorkbench(workbench.page);
      // Let the extension host start and the first editors and views settle.
      await workbench.page.waitForTimeout(Number(process.env.HEARTH_SCREENSHOT_DELAY_MS) || 4000);
      fs.mkdirSync(path.dirname(args.screenshot), { recursive: true });
      await workbench.page.screenshot({ path: args.screenshot });
      process.stdout.write(`screenshot saved to ${args.screenshot}\n`);
    } finally {
      await workbench.close();
      await server.stop();
    }
    return 0;
  }

  process.stdout.write('Press Ctrl+C to stop.\n');
  // Runs until Ctrl+C (processes.ts then stops the server and removes its temp dirs).
  const reason = await server.exited;
  if (shutdownSignal()) return new Promise<number>(() => undefined); // the signal handler exits
  process.stderr.write(`VS Code ${reason}\n${server.output().split('\n').slice(-20).join('\n')}\n`);
  await server.stop();
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`start: ${(error as Error).message}\n`);
    void cleanupAll().finally(() => process.exit(1));
  },
);
