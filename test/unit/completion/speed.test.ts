import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { GenerationBudget } from '../../../src/core/completion/backend';
import { snapshotFromText, textAfterCursor } from '../../../src/core/completion/excerpt';
import { IdleTimer } from '../../../src/core/completion/ring';
import { ServerSpeed } from '../../../src/core/completion/speed';
import { addToTotals, describeCompletion, emptyTotals } from '../../../src/core/completion/stats';

describe('completion/speed', () => {
  it('no time budget until the generation speed is measured (no fixed cut)', () => {
    assert.equal(new ServerSpeed().budgetMs(), undefined);
  });

  it('the budget follows the measured speed within bounds', () => {
    const slow = new ServerSpeed();
    slow.record({ genMs: 5000, generatedTokens: 50 });
    assert.equal(slow.budgetMs(), 9600, '64 tokens at 100 ms, +50%');
    const fast = new ServerSpeed();
    fast.record({ genMs: 100, generatedTokens: 50 });
    assert.equal(fast.budgetMs(), 1000, 'floor');
    const glacial = new ServerSpeed();
    glacial.record({ genMs: 50_000, generatedTokens: 50 });
    assert.equal(glacial.budgetMs(), 20_000, 'ceiling');
  });

  it('ignores tiny samples', () => {
    const s = new ServerSpeed();
    s.record({ genMs: 1000, generatedTokens: 1, promptMs: 100, promptTokens: 3 });
    assert.equal(s.genMsPerToken, undefined);
    assert.equal(s.promptMsPerToken, undefined);
  });

  it('learns characters per token from total prompt tokens, and shrinks on context errors', () => {
    const s = new ServerSpeed(2.8, 1);
    s.record({ totalPromptTokens: 1000 }, 1000);
    assert.equal(s.charsPerToken, 1);
    s.shrink();
    assert.equal(s.charsPerToken, 0.8, 'not below 0.8');
  });

  it('caps the suffix by the time the server takes to evaluate it', () => {
    const s = new ServerSpeed();
    assert.equal(s.suffixTokens(150, 32), 128, 'before any measurement: a few lines, in case the server is slow');
    s.record({ promptMs: 500, promptTokens: 200 });
    assert.equal(s.suffixTokens(150, 64), 64, 'at least the minimum');
    const fast = new ServerSpeed();
    fast.record({ promptMs: 10, promptTokens: 1000 });
    assert.equal(fast.suffixTokens(150), 15000);
  });

  it('GenerationBudget cuts back to the last complete line once time is up', () => {
    let now = 0;
    const b = new GenerationBudget(100, () => now);
    assert.equal(b.check('abc'), undefined);
    now = 150;
    assert.equal(b.check('abc def'), undefined, 'no complete line yet');
    assert.equal(b.check('abc def\nghi'), 'abc def');
    assert.equal(new GenerationBudget(undefined).check('a\nb'), undefined);
  });

  it('textAfterCursor reads the document, not the budgeted suffix', () => {
    const doc = snapshotFromText('ab|cd\nef\ngh'.replace('|', ''), 0, 2);
    assert.equal(textAfterCursor(doc, 100), 'cd\nef\ngh');
    assert.equal(textAfterCursor(doc, 4), 'cd\ne');
  });

  it('IdleTimer fires after the idle time, re-armed by activity', () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      let fired = 0;
      const t = new IdleTimer(() => fired++);
      t.touch(true, 100);
      clock.tick(60);
      t.touch(true, 100);
      clock.tick(60);
      assert.equal(fired, 0);
      clock.tick(50);
      assert.equal(fired, 1);
      assert.equal(t.idleForMs, 110);
      t.touch(false, 100);
      t.dispose();
      clock.tick(200);
      assert.equal(fired, 1);
    } finally {
      clock.uninstall();
    }
  });

  it('stats totals and the status line', () => {
    const totals = emptyTotals();
    addToTotals(totals, {
      id: 1,
      kind: 'completion',
      outcome: 'shown',
      model: 'm',
      backend: 'infill',
      fromCache: false,
      aborted: false,
      promptTokens: 10,
      cachedTokens: 1500,
      generatedTokens: 20,
      promptMs: 12.4,
      genMs: 210,
    });
    addToTotals(totals, {
      id: 2,
      kind: 'completion',
      outcome: 'aborted',
      model: 'm',
      backend: 'infill',
      fromCache: false,
      aborted: true,
      discardedTokens: 4,
    });
    addToTotals(totals, { id: 0, kind: 'completion', outcome: 'typed', model: 'm', backend: 'infill', fromCache: true, aborted: false });
    assert.equal(totals.shown, 2);
    assert.equal(totals.completed, 1);
    assert.equal(totals.aborted, 1);
    assert.equal(totals.typedThrough, 1);
    assert.equal(totals.discardedTokens, 4);
    assert.equal(
      describeCompletion({
        id: 1,
        kind: 'completion',
        outcome: 'shown',
        model: 'm',
        backend: 'infill',
        fromCache: false,
        aborted: false,
        promptTokens: 10,
        cachedTokens: 1500,
        generatedTokens: 20,
        promptMs: 12.4,
        genMs: 210,
      }),
      'prompt 12 ms (10 new, 1,500 cached) · 20 tokens in 210 ms',
    );
  });
});
