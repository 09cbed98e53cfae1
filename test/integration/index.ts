// The tests module the extension host loads (the @vscode/test-electron
// contract: export run(), resolve when done, reject on failure). Used both by
// test/harness/runIntegration.ts (code-server) and runElectron.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { skipReason, type SkippedTest } from '../harness/skips';

/** The line prefix the runners parse: `HEARTH_TEST_SUMMARY {"passed":1,"failed":0,"skipped":0}`. */
export const SUMMARY_PREFIX = 'HEARTH_TEST_SUMMARY ';

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  /** Each skipped test's full title and why (see skipWithReason). */
  skippedTests?: SkippedTest[];
}

/** Tests whose title holds this run in a second window load, after a reload. */
export const RELOAD_TAG = '@after-reload';

/**
 * Files ending like this run in their own workbench, with workspace trust on
 * and the folder not trusted (Restricted Mode); the other phases skip them.
 */
export const RESTRICTED_SUFFIX = '.restricted.test.js';

/** The phase file (env HEARTH_TEST_PHASE_FILE) says which load of the window this is. */
function readPhase(): string {
  const file = process.env.HEARTH_TEST_PHASE_FILE;
  try {
    return file ? fs.readFileSync(file, 'utf8').trim() : '';
  } catch {
    return '';
  }
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module: a real dynamic import works in every host.
  const { default: Mocha } = await import('mocha');
  // The runner reloads the window once: the first load runs every test but
  // those tagged @after-reload, the second load only those (they check what
  // must survive a reload, e.g. the selected models). A third workbench, with
  // workspace trust on, runs the Restricted Mode files.
  const phase = readPhase();
  const afterReload = phase === 'after-reload';
  const restricted = phase === 'restricted';
  const grep = afterReload ? RELOAD_TAG : process.env.HEARTH_TEST_GREP;
  const invert = !afterReload && !restricted && !grep;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 30_000,
    ...(grep ? { grep } : invert ? { grep: RELOAD_TAG, invert: true } : {}),
  });
  const files = findTests(__dirname).filter((f) => f.endsWith(RESTRICTED_SUFFIX) === restricted);
  for (const file of files) mocha.addFile(file);
  if (grep) console.log(`integration: only tests matching ${JSON.stringify(grep)}`);

  const summary = await new Promise<Summary>((resolve, reject) => {
    try {
      const skippedTests: SkippedTest[] = [];
      const runner = mocha.run(() => {
        const stats = runner.stats;
        resolve({ passed: stats?.passes ?? 0, failed: stats?.failures ?? 0, skipped: stats?.pending ?? 0, skippedTests });
      });
      runner.on('pending', (test) => skippedTests.push({ title: test.fullTitle(), reason: skipReason(test) ?? 'no reason given' }));
    } catch (error) {
      reject(error);
    }
  });
  console.log(SUMMARY_PREFIX + JSON.stringify(summary));
  const summaryFile = process.env.HEARTH_TEST_SUMMARY_FILE;
  if (summaryFile) fs.writeFileSync(summaryFile, JSON.stringify(summary));
  if (summary.failed > 0) throw new Error(`${summary.failed} integration test(s) failed`);
  // A grep naming Restricted Mode may match only the tests of that workbench (or only the others).
  const mayBeEmpty = afterReload || (!!grep && (restricted || /restricted/i.test(grep)));
  if (summary.passed + summary.skipped === 0 && !mayBeEmpty) throw new Error('no integration test ran');
}

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(file));
    else if (entry.name.endsWith('.test.js')) found.push(file);
  }
  return found.sort();
}
