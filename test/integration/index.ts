// The tests module the extension host loads (the @vscode/test-electron
// contract: export run(), resolve when done, reject on failure). Used both by
// test/harness/runIntegration.ts (code-server) and runElectron.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The line prefix the runners parse: `HEARTH_TEST_SUMMARY {"passed":1,"failed":0,"skipped":0}`. */
export const SUMMARY_PREFIX = 'HEARTH_TEST_SUMMARY ';

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module: a real dynamic import works in every host.
  const { default: Mocha } = await import('mocha');
  const grep = process.env.HEARTH_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, ...(grep ? { grep } : {}) });
  const files = findTests(__dirname);
  for (const file of files) mocha.addFile(file);
  if (grep) console.log(`integration: only tests matching ${JSON.stringify(grep)}`);

  const summary = await new Promise<Summary>((resolve, reject) => {
    try {
      const runner = mocha.run(() => {
        const stats = runner.stats;
        resolve({ passed: stats?.passes ?? 0, failed: stats?.failures ?? 0, skipped: stats?.pending ?? 0 });
      });
    } catch (error) {
      reject(error);
    }
  });
  console.log(SUMMARY_PREFIX + JSON.stringify(summary));
  const summaryFile = process.env.HEARTH_TEST_SUMMARY_FILE;
  if (summaryFile) fs.writeFileSync(summaryFile, JSON.stringify(summary));
  if (summary.failed > 0) throw new Error(`${summary.failed} integration test(s) failed`);
  if (summary.passed + summary.skipped === 0) throw new Error('no integration test ran');
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
