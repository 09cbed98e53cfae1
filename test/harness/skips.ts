// Skipping a mocha test with a reason the summary prints. Plain Node: used by
// unit tests, benchmarks' helpers and tests inside the extension host alike.
//
// The reason is stored on what the skip covers: the test itself (called in
// the test or a beforeEach hook) or the whole suite (called in a before hook).
// The reporters ask skipReason(test) for every pending test.

const REASON = Symbol.for('hearth.skipReason');

type WithReason = { [REASON]?: string };

/** Skips the running test (or, from a `before` hook, its suite) and records why. */
export function skipWithReason(context: Mocha.Context, reason: string): never {
  const runnable = context.test as (Mocha.Runnable & { type?: string }) | undefined;
  let target: object | undefined = runnable;
  if (runnable?.type === 'hook') {
    target = /^"before each" hook/.test(runnable.title) && context.currentTest ? context.currentTest : runnable.parent;
  }
  if (target) (target as WithReason)[REASON] = reason;
  return context.skip();
}

/** Why a pending test was skipped: its own reason, else its nearest suite's, else undefined. */
export function skipReason(test: Mocha.Runnable): string | undefined {
  let node: Mocha.Runnable | Mocha.Suite | undefined = test;
  while (node) {
    const reason = (node as WithReason)[REASON];
    if (reason) return reason;
    node = node.parent;
  }
  return undefined;
}

export interface SkippedTest {
  title: string;
  reason: string;
}

/** Lines for a summary: skipped tests grouped under their reason. */
export function skipLines(skipped: readonly SkippedTest[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const { title, reason } of skipped) byReason.set(reason, [...(byReason.get(reason) ?? []), title]);
  const lines: string[] = [];
  for (const [reason, titles] of byReason) {
    lines.push(`  skipped (${reason}):`);
    for (const title of titles) lines.push(`    - ${title}`);
  }
  return lines;
}
