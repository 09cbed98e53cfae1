import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { Scheduler } from '../../../src/core/completion/scheduler';
import { flight } from './flightHelpers';

type Clock = ReturnType<typeof FakeTimers.install>;

describe('completion/scheduler', () => {
  let clock: Clock;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  it('debounces: only the last of quick triggers gets a turn', async () => {
    const s = new Scheduler({ defaultDelayMs: 80 });
    const turns = [s.turn('a'), s.turn('b')];
    await clock.tickAsync(50);
    turns.push(s.turn('c'));
    await clock.tickAsync(79);
    assert.equal(s.busy, true);
    await clock.tickAsync(1);
    assert.deepEqual(await Promise.all(turns), ['superseded', 'superseded', 'go']);
  });

  it('keeps one flight open: a new turn cancels it and waits until its connection is closed', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const log: string[] = [];
    assert.equal(await s.turn('a'), 'go');
    const first = flight(1, { promptMs: 100, tokenMs: 50, text: 'abcdef', log });
    s.launch(first);
    await clock.tickAsync(160);
    const next = s.turn('b');
    await clock.tickAsync(0);
    assert.equal(await next, 'go');
    assert.equal(first.state, 'cancelled');
    assert.equal(s.current, undefined, 'the first connection is closed before the turn');
    assert.deepEqual(log, ['send', 'token 1', 'token 2', 'abort']);
  });

  it('waits for a held flight: the next request goes when the server is free, not before', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    await s.turn('a');
    const first = flight(1, { promptMs: 3000, tokenMs: 50, text: 'abc' });
    s.launch(first);
    await clock.tickAsync(1000);
    let went = 0;
    void s.turn('b').then((t) => (went = t === 'go' ? Date.now() : -1));
    await clock.tickAsync(1999);
    assert.equal(went, 0, 'still waiting while the server reads the first prompt');
    await clock.tickAsync(1);
    assert.equal(went, 3000);
  });

  it('after closing a flight mid-stream, waits for the server to let go of the slot before the next request', async () => {
    const s = new Scheduler({ defaultDelayMs: 0, settleMs: () => 120 });
    await s.turn('a');
    s.launch(flight(1, { promptMs: 100, tokenMs: 50, text: 'abcdef' }));
    await clock.tickAsync(160);
    let went = 0;
    void s.turn('b').then((t) => (went = t === 'go' ? Date.now() : -1));
    await clock.tickAsync(119);
    assert.equal(went, 0);
    await clock.tickAsync(1);
    assert.equal(went, 280, 'closed at 160, then 120 ms to settle');
  });

  it('stops waiting when the caller cancels (the flight it would cancel stays)', async () => {
    const s = new Scheduler({ defaultDelayMs: 100 });
    const ctl = new AbortController();
    const t = s.turn('a', { signal: ctl.signal });
    await clock.tickAsync(50);
    ctl.abort();
    assert.equal(await t, 'cancelled');
    assert.equal(s.busy, false);
    const pre = new AbortController();
    pre.abort();
    assert.equal(await s.turn('b', { signal: pre.signal }), 'cancelled');
  });

  it('background work runs only when idle; a foreground turn cancels it', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    assert.equal(await s.turn('prefetch', { background: true }), 'go');
    const bg = flight(1, { promptMs: 10, tokenMs: 100, text: 'abcdef' });
    s.launch(bg);
    assert.equal(await s.turn('warmup', { background: true }), 'superseded', 'not while a flight is open');
    await clock.tickAsync(20);
    const fg = s.turn('typing');
    await clock.tickAsync(0);
    assert.equal(await fg, 'go');
    assert.equal(bg.state, 'cancelled');
  });

  it('learns the server latency from the first token of finished flights and from overtaken waits', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    await s.turn('a');
    const f = flight(1, { promptMs: 400, tokenMs: 10, text: 'ab' });
    s.launch(f);
    await clock.tickAsync(500);
    await f.closed;
    assert.equal(s.latencyMs, 400);
    assert.equal(await s.turn('b', { delayMs: 0 }), 'go');
    s.launch(flight(2, { promptMs: 5000, tokenMs: 10, text: 'ab' }));
    await clock.tickAsync(1400);
    void s.turn('c', { delayMs: 0 });
    assert.ok(s.latencyMs! > 400, 'a flight still waiting after 1.4 s says the server got slower');
    await clock.tickAsync(5000);
  });

  describe('debounce from the typing rhythm', () => {
    it('uses the default before the rhythm is known', () => {
      assert.equal(new Scheduler({ defaultDelayMs: 80 }).delayMs(), 80);
    });

    it('is a little longer than the usual gap between keys, longer again on a server slower than two gaps, within the bounds', () => {
      for (const [latency, delay] of [
        [undefined, 188],
        [25, 188],
        [300, 188],
        [301, 375],
        [2000, 375],
      ] as const) {
        const s = new Scheduler({ maxDelayMs: 400 });
        if (latency !== undefined) s.recordLatency(latency);
        for (let i = 0; i < 20; i++) {
          s.noteKeystroke();
          clock.tick(150);
        }
        assert.ok(Math.abs((s.rhythmMs ?? 0) - 150) < 1);
        assert.equal(s.delayMs(), delay, `latency ${latency}`);
      }
      const slowTypist = new Scheduler({ maxDelayMs: 300 });
      for (let i = 0; i < 20; i++) {
        slowTypist.noteKeystroke();
        clock.tick(900);
      }
      assert.equal(slowTypist.delayMs(), 300);
      const eager = new Scheduler({ maxDelayMs: 0 });
      eager.noteKeystroke();
      clock.tick(150);
      eager.noteKeystroke();
      assert.equal(eager.delayMs(), 0, 'debounceMaxMs 0: no wait at all');
    });

    it('counts from the keystroke, not from when the editor asks (VS Code debounces too)', async () => {
      const s = new Scheduler({ maxDelayMs: 300 });
      for (let i = 0; i < 20; i++) {
        s.noteKeystroke();
        clock.tick(150);
      }
      s.noteKeystroke();
      clock.tick(100); // the editor asks 100 ms after the key
      assert.equal(s.delayMs(), 188);
      assert.equal(s.remainingDelayMs(), 88);
      let turn: string | undefined;
      void s.turn('a').then((t) => (turn = t));
      await clock.tickAsync(87);
      assert.equal(turn, undefined, 'still debouncing');
      await clock.tickAsync(2);
      assert.equal(turn, 'go', '188 ms after the key, not 188 ms after the editor asked');
      clock.tick(1000);
      assert.equal(s.remainingDelayMs(), 0);
    });

    it('ignores pauses when measuring rhythm', () => {
      const s = new Scheduler();
      s.noteKeystroke();
      clock.tick(100);
      s.noteKeystroke();
      clock.tick(5000);
      s.noteKeystroke();
      assert.equal(s.rhythmMs, 100);
    });
  });
});
