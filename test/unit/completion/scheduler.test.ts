import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { Scheduler } from '../../../src/core/completion/scheduler';

type Clock = ReturnType<typeof FakeTimers.install>;

/** A task that resolves after `ms` (fake time) unless aborted. */
function task(ms: number, value: string, log: string[]) {
  return (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${value}`);
      const t = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        log.push(`abort ${value}`);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
}

describe('completion/scheduler', () => {
  let clock: Clock;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  it('debounces: only the last of quick triggers is sent', async () => {
    const s = new Scheduler({ defaultDelayMs: 80 });
    const log: string[] = [];
    const a = s.schedule('a', task(10, 'a', log));
    await clock.tickAsync(30);
    const b = s.schedule('b', task(10, 'b', log));
    await clock.tickAsync(200);
    assert.deepEqual(await a, { status: 'superseded' });
    assert.deepEqual(await b, { status: 'done', value: 'b', delayMs: 80 });
    assert.deepEqual(log, ['start b']);
  });

  it('at most one in flight: a new trigger aborts the running one at once', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const log: string[] = [];
    const a = s.schedule('a', task(1000, 'a', log));
    await clock.tickAsync(5);
    assert.equal(s.runningKey, 'a');
    const b = s.schedule('b', task(10, 'b', log));
    // Resolved as aborted without waiting for the task to notice.
    assert.deepEqual(await a, { status: 'aborted' });
    assert.deepEqual(log, ['start a', 'abort a', 'start b']);
    await clock.tickAsync(20);
    assert.equal((await b).status, 'done');
    assert.equal(s.busy, false);
  });

  it('a trigger for the same key joins the running request', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const log: string[] = [];
    const a = s.schedule('k', task(100, 'v', log));
    await clock.tickAsync(10);
    const b = s.schedule('k', task(100, 'other', log));
    await clock.tickAsync(100);
    assert.equal((await a).status, 'done');
    assert.deepEqual(await b, await a);
    assert.deepEqual(log, ['start v']);
  });

  it("the caller's signal aborts a waiting or running request", async () => {
    const s = new Scheduler({ defaultDelayMs: 50 });
    const log: string[] = [];
    const ctl = new AbortController();
    const a = s.schedule('a', task(100, 'a', log), { signal: ctl.signal });
    await clock.tickAsync(10);
    ctl.abort();
    assert.deepEqual(await a, { status: 'aborted' });
    await clock.tickAsync(100);
    assert.deepEqual(log, []);
    const ctl2 = new AbortController();
    const b = s.schedule('b', task(100, 'b', log), { signal: ctl2.signal, delayMs: 0 });
    await clock.tickAsync(10);
    ctl2.abort();
    assert.deepEqual(await b, { status: 'aborted' });
    assert.deepEqual(log, ['start b', 'abort b']);
  });

  it('a joined request survives when one of its callers gives up', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const log: string[] = [];
    const ctl = new AbortController();
    const a = s.schedule('k', task(50, 'v', log), { signal: ctl.signal });
    const b = s.schedule('k', task(50, 'v', log));
    await clock.tickAsync(1);
    ctl.abort();
    assert.deepEqual(await a, { status: 'aborted' });
    await clock.tickAsync(60);
    assert.equal((await b).status, 'done');
  });

  it('background work runs only when idle and never aborts anything', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const log: string[] = [];
    const a = s.schedule('a', task(100, 'a', log));
    const pre = await s.schedule('p', task(10, 'p', log), { background: true });
    assert.deepEqual(pre, { status: 'superseded' });
    await clock.tickAsync(100);
    await a;
    const bg = s.schedule('p', task(100, 'p', log), { background: true });
    await clock.tickAsync(10);
    // A foreground trigger for the same key joins the prefetch…
    const joined = s.schedule('p', task(100, 'x', log));
    await clock.tickAsync(100);
    assert.equal((await joined).status, 'done');
    assert.equal((await bg).status, 'done');
    assert.deepEqual(log, ['start a', 'start p']);
    // …while one for another key aborts it.
    const bg2 = s.schedule('q', task(100, 'q', log), { background: true });
    await clock.tickAsync(10);
    void s.schedule('r', task(10, 'r', log));
    assert.deepEqual(await bg2, { status: 'aborted' });
  });

  it('reports a failing task', async () => {
    const s = new Scheduler({ defaultDelayMs: 0 });
    const out = await s.schedule('a', () => Promise.reject(new Error('boom')));
    assert.equal(out.status, 'failed');
  });

  describe('adaptive debounce', () => {
    it('uses the default before any latency is known', () => {
      assert.equal(new Scheduler({ defaultDelayMs: 80 }).delayMs(), 80);
    });

    it('is near zero when the server answers in tens of ms', () => {
      const s = new Scheduler();
      for (let i = 0; i < 10; i++) s.recordLatency(25);
      for (let i = 0; i < 10; i++) {
        s.noteKeystroke();
        clock.tick(120);
      }
      assert.equal(s.delayMs(), 0);
    });

    it('follows the typing rhythm when the server is slow, bounded by maxDelayMs', () => {
      const s = new Scheduler({ maxDelayMs: 300 });
      for (let i = 0; i < 10; i++) s.recordLatency(2000);
      for (let i = 0; i < 20; i++) {
        s.noteKeystroke();
        clock.tick(150);
      }
      assert.ok(Math.abs((s.rhythmMs ?? 0) - 150) < 1);
      assert.equal(s.delayMs(), 188);
      const slowTypist = new Scheduler({ maxDelayMs: 300 });
      slowTypist.recordLatency(3000);
      for (let i = 0; i < 20; i++) {
        slowTypist.noteKeystroke();
        clock.tick(900);
      }
      assert.equal(slowTypist.delayMs(), 300);
    });

    it('grows smoothly with latency between fast and slow', () => {
      const delays = [30, 60, 120, 200, 400].map((lat) => {
        const s = new Scheduler();
        s.recordLatency(lat);
        for (let i = 0; i < 5; i++) {
          s.noteKeystroke();
          clock.tick(160);
        }
        return s.delayMs();
      });
      for (let i = 1; i < delays.length; i++) assert.ok(delays[i] >= delays[i - 1], delays.join(','));
      assert.equal(delays[0], 0);
      assert.ok(delays[4] <= 300);
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

    it('learns that the server is slow from requests that were overtaken', async () => {
      const s = new Scheduler({ defaultDelayMs: 0 });
      const log: string[] = [];
      void s.schedule('a', task(5000, 'a', log));
      await clock.tickAsync(700);
      void s.schedule('b', task(5000, 'b', log));
      assert.equal(s.latencyMs, 700);
      await clock.tickAsync(10);
      s.cancel();
      assert.equal(s.latencyMs, 700, 'a shorter aborted run says nothing');
    });

    it('measures latency from finished tasks', async () => {
      const s = new Scheduler({ defaultDelayMs: 0 });
      const p = s.schedule('a', task(400, 'a', []));
      await clock.tickAsync(400);
      await p;
      assert.equal(s.latencyMs, 400);
    });
  });
});
