// When Hearth looks for servers again: at once on focus, "connection
// refused" and Retry; with a doubling wait while something is missing and
// Hearth is in use; never while the user is idle.
import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { Rediscovery } from '../../../src/core/servers/rediscovery';
import { memoryLogger } from '../core/helpers';

describe('rediscovery', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  function make(state: { wanted: boolean; inUse: boolean }) {
    const runs: number[] = [];
    const start = Date.now();
    const r = new Rediscovery({
      refresh: async () => void runs.push(Date.now() - start),
      wanted: () => state.wanted,
      inUse: () => state.inUse,
      log: memoryLogger(),
      firstDelayMs: 1000,
      maxDelayMs: 8000,
      focusGapMs: 5000,
    });
    return { r, runs };
  }

  it('looks again with a doubling wait while something is missing and Hearth is in use', async () => {
    const state = { wanted: true, inUse: true };
    const { r, runs } = make(state);
    r.activity();
    await clock.tickAsync(20_000);
    assert.deepEqual(runs, [1000, 3000, 7000, 15000], 'waits of 1, 2, 4, 8 s (capped at 8)');
    state.wanted = false; // found
    await clock.tickAsync(30_000);
    assert.equal(runs.length, 4, 'nothing once everything is found');
    assert.equal(r.pendingDelayMs, undefined);
    r.dispose();
  });

  it('never polls while the user is idle, and resumes on the next sign of use', async () => {
    const state = { wanted: true, inUse: false };
    const { r, runs } = make(state);
    r.activity();
    await clock.tickAsync(60_000);
    assert.deepEqual(runs, [], 'idle: the armed wait ends without a refresh and nothing is re-armed');
    assert.equal(r.pendingDelayMs, undefined);
    state.inUse = true;
    r.activity();
    await clock.tickAsync(1000);
    assert.deepEqual(runs, [61_000]);
    r.dispose();
    await clock.tickAsync(60_000);
    assert.equal(runs.length, 1, 'nothing after dispose');
  });

  it('looks at once on focus (once for quick focus changes), on refused and on Retry, restarting the backoff', async () => {
    const state = { wanted: true, inUse: true };
    const { r, runs } = make(state);
    await r.lookNow('focus');
    await r.lookNow('focus');
    assert.deepEqual(runs, [0], 'two focus changes in a row look once');
    await r.lookNow('retry');
    assert.deepEqual(runs, [0, 0], 'Retry always looks');
    assert.equal(r.pendingDelayMs, 1000, 'and the backoff starts over');
    await clock.tickAsync(6000);
    await r.lookNow('refused');
    assert.equal(r.counts.refused, 1);
    assert.equal(r.counts.retry, 1);
    assert.equal(r.counts.focus, 1);
    r.dispose();
  });

  it('does nothing on activity when nothing is missing', async () => {
    const { r, runs } = make({ wanted: false, inUse: true });
    r.activity();
    await clock.tickAsync(60_000);
    assert.deepEqual(runs, []);
    r.dispose();
  });
});
