// `npm run test:electron`: the same integration tests in desktop VS Code
// 1.100.3 through @vscode/test-electron, for machines with internet (it
// downloads VS Code into .vscode-test/). Linux without a display: run it
// under `xvfb-run -a`. Offline, use `npm run test:integration` instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests, TestRunFailedError } from '@vscode/test-electron';
import { type Summary } from '../integration/index';
import { copyFixtureWorkspace, projectRoot } from './fixtures';
import { skipLines } from './skips';

const VERSION = '1.100.3';

async function main(): Promise<number> {
  const root = projectRoot();
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VERSION, cachePath: path.join(root, '.vscode-test') });
  } catch (error) {
    process.stderr.write(
      `electron: could not download VS Code ${VERSION} (${(error as Error).message}).\n` +
        'electron: @vscode/test-electron needs internet access to update.code.visualstudio.com; ' +
        'without it, run `npm run test:integration` (the same tests in VS Code from the npm package code-server).\n',
    );
    return 1;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.stderr.write('electron: warning: no DISPLAY; if VS Code fails to start, run this under `xvfb-run -a`.\n');
  }

  const workspace = copyFixtureWorkspace();
  const summaryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-electron-')), 'summary.json');
  let code: number;
  try {
    code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      // --disable-workspace-trust: like the code-server runner, the fixture workspace is trusted.
      launchArgs: [workspace.folder, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { HEARTH_TEST_SUMMARY_FILE: summaryFile },
    });
  } catch (error) {
    code = error instanceof TestRunFailedError ? (error.code ?? 1) : 1;
    process.stderr.write(`electron: ${(error as Error).message}\n`);
  } finally {
    workspace.remove();
  }

  let summary: Summary | undefined;
  try {
    summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
  } catch {
    process.stderr.write('electron: no test summary was written; counting the run as one failure\n');
  }
  fs.rmSync(path.dirname(summaryFile), { recursive: true, force: true });
  const counts = summary ?? { passed: 0, failed: 1, skipped: 0 };
  process.stdout.write(
    `integration (VS Code ${VERSION} desktop): ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
  );
  for (const line of skipLines(summary?.skippedTests ?? [])) process.stdout.write(`${line}\n`);
  return code === 0 && summary && summary.failed === 0 && summary.passed + summary.skipped > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`electron: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
