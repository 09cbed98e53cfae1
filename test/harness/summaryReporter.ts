// A mocha reporter: the usual Spec output, then one closing line
// `unit: N passed, N failed, N skipped` that CI recognises, and why tests were skipped.
// Label: reporter option `label` (.mocharc.json "reporter-option": ["label=unit"]),
// else env HEARTH_TEST_LABEL, else "unit".
import Mocha from 'mocha';
import { skipLines, skipReason, type SkippedTest } from './skips';

interface ReporterOptions {
  reporterOption?: Record<string, unknown>;
  reporterOptions?: Record<string, unknown>;
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions & ReporterOptions = {}) {
    super(runner, options);
    const extra = options.reporterOption ?? options.reporterOptions ?? {};
    const label = typeof extra.label === 'string' && extra.label ? extra.label : process.env.HEARTH_TEST_LABEL || 'unit';
    const skippedTests: SkippedTest[] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test) =>
      skippedTests.push({ title: test.fullTitle(), reason: skipReason(test) ?? 'no reason given' }),
    );
    // Registered after Spec's own end handler, so the line comes after its epilogue.
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats;
      const passed = stats?.passes ?? 0;
      const failed = stats?.failures ?? 0;
      const skipped = stats?.pending ?? 0;
      process.stdout.write(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
      for (const line of skipLines(skippedTests)) process.stdout.write(`${line}\n`);
    });
  }
}

export = SummaryReporter;
