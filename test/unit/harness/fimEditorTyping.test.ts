// The editor FIM benchmark's typing plan: it rebuilds the source exactly,
// pauses 16 times, keeps human gaps, and is the same for the same seed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_TYPING, midPoint, simulate, typingPlan } from '../../../bench/fim-editor-typing';
import { FIXTURE } from '../../../bench/fim-editor-session';
import { projectRoot } from '../../harness/fixtures';

describe('editor FIM bench: typing plan', () => {
  const source = fs.readFileSync(path.join(projectRoot(), 'bench', 'fixtures', FIXTURE.file), 'utf8');
  const plan = typingPlan(source, { ...DEFAULT_TYPING, start: FIXTURE.start, seed: 7 });

  it('types the removed region back into the document', () => {
    assert.notEqual(plan.document, source);
    assert.equal(plan.document.split('\n').length, source.split('\n').length - DEFAULT_TYPING.lines + 1);
    assert.equal(simulate(plan, DEFAULT_TYPING.tabSize), source);
  });

  it('pauses at each line end and in the middle of the six longest lines: 16 pauses of 1.5 s', () => {
    assert.equal(plan.pauses, 16);
    const afterPause = plan.keys.filter((k, i) => i > 0 && plan.keys[i - 1].pauseAfter);
    assert.equal(afterPause.length, 15);
    assert.ok(afterPause.every((k) => k.gapMs === 1500));
    assert.ok(plan.keys[plan.keys.length - 1].pauseAfter, 'the last keystroke is followed by a pause');
    const gaps = plan.keys.filter((k, i) => i === 0 || !plan.keys[i - 1].pauseAfter).map((k) => k.gapMs);
    assert.ok(gaps.every((g) => g >= 60 && g <= 180));
    assert.ok(!plan.keys.some((k) => k.key === 'Tab'), 'never Tab: it would accept ghost text');
  });

  it('is the same for the same seed and differs for another', () => {
    assert.deepEqual(typingPlan(source, { ...DEFAULT_TYPING, start: FIXTURE.start, seed: 7 }), plan);
    assert.notDeepEqual(typingPlan(source, { ...DEFAULT_TYPING, start: FIXTURE.start, seed: 8 }).keys, plan.keys);
  });

  it('pauses mid-line after a word boundary near the middle', () => {
    const line = '    this.positiveOptions = new Map();';
    assert.equal(line.slice(0, midPoint(line)), '    this.positiveOptions ');
  });
});
