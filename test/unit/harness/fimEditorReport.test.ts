// The editor FIM benchmark's analysis: llama-server's log tasks, pauses with
// ghost text, and which finished requests were shown.
import assert from 'node:assert/strict';
import type { ProxyRecord } from '../../harness/completionProxy';
import { pauseResults, shownRequests, thrownAway } from '../../../bench/fim-editor-report';
import type { Timeline } from '../../../bench/fim-editor-replay';
import type { TypingPlan } from '../../../bench/fim-editor-typing';
import { cancelsBeforeSlot, parseTasks, summarizeTasks } from '../../../bench/llama-server-stats';

const LOG = `0.10.617.727 I slot      release: id  0 | task 1 | stop processing: n_tokens = 1570, truncated = 0
0.10.633.290 I slot launch_slot_: id  1 | task 23 | processing task, is_child = 0
0.11.675.617 W srv          stop: cancel task, id_task = 23
0.11.690.000 W srv          stop: cancel task, id_task = 24
0.11.700.000 I slot launch_slot_: id  0 | task 25 | processing task, is_child = 0
0.12.853.042 I slot      release: id  1 | task 23 | stop processing: n_tokens = 1551, truncated = 0
0.13.000.000 I slot print_timing: id  0 | task 25 | prompt eval time =      12.05 ms /    38 tokens (    0.32 ms per token,  3154.31 tokens per second)
0.13.000.100 I slot print_timing: id  0 | task 25 |        eval time =       2.90 ms /     8 tokens (    0.41 ms per token,  2415.46 tokens per second)
1.02.000.000 I slot      release: id  0 | task 25 | stop processing: n_tokens = 45, truncated = 0`;

describe('editor FIM bench: analysis', () => {
  it('reads tasks from the llama-server log: slot time, cancel and release', () => {
    const tasks = parseTasks(LOG);
    assert.deepEqual(
      tasks.map((t) => t.id),
      [23, 25],
    );
    assert.deepEqual(tasks[0], { id: 23, slot: 1, launched: 10_633.29, cancelled: 11_675.617, released: 12_853.042, nTokens: 1551 });
    assert.equal(tasks[1].promptTokens, 38);
    assert.equal(tasks[1].generatedTokens, 8);
    assert.equal(tasks[1].released, 62_000);
    assert.deepEqual(cancelsBeforeSlot(LOG), [24]);
    const s = summarizeTasks(tasks, cancelsBeforeSlot(LOG));
    assert.equal(s.cancelled, 1);
    assert.equal(s.cancelledWaiting, 1);
    assert.deepEqual(s.cancelToReleaseMs, [1177.4]);
    assert.deepEqual(s.cancelledBusyMs, [2219.8]);
    assert.equal(s.maxBusySlots, 2);
  });

  const key = (pauseAfter = false) => ({ key: 'a', press: false, gapMs: 100, pauseAfter });
  const plan = { keys: [key(), key(true), key(), key(true)], pauseMs: 1500 } as TypingPlan;
  const timeline = (ghost: Timeline['ghost']): Timeline => ({
    keyTimes: [1000, 1100, 2600, 2700],
    ghost,
    ghostAtStart: '',
    startedAt: 900,
    endedAt: 4200,
    slowestKeyMs: 0,
    readAt: 5000,
    keyClock: 'page',
  });

  it('finds ghost text in a pause and its latency from the last keystroke', () => {
    const t = timeline([
      { at: 1900, text: 'abc' },
      { at: 2601, text: '' },
      { at: 4300, text: 'late' },
    ]);
    assert.deepEqual(pauseResults(plan, t), [
      { key: 1, ghost: true, latencyMs: 800 },
      { key: 3, ghost: false },
    ]);
  });

  it('credits shown ghost text to the finished request it came from, and counts the rest as thrown away', () => {
    const rec = (text: string, ended: number | undefined, closedAt?: number): ProxyRecord =>
      ({
        method: 'POST',
        path: '/infill',
        body: {},
        started: 0,
        completion: true,
        textEvents: text.length,
        text,
        ended,
        closedAt,
      }) as ProxyRecord;
    const shownOne = rec('abc def\nghi', 1800);
    const unseen = rec('zzz', 3000);
    const aborted = rec('xy', undefined, 2650);
    const requests = [shownOne, aborted, unseen];
    const shown = shownRequests(requests, timeline([{ at: 1900, text: 'abc def' }]));
    assert.deepEqual([...shown], [shownOne]);
    assert.deepEqual(thrownAway(requests, shown, 20), { total: 5, aborted: 2, completedNotShown: 3, streamedTotal: 16, serverEstimate: 9 });
  });
});
