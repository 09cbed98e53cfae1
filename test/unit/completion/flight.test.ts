import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { Flight } from '../../../src/core/completion/flight';
import { flight, position } from './flightHelpers';

type Clock = ReturnType<typeof FakeTimers.install>;

describe('completion/flight', () => {
  let clock: Clock;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  it('streams to the end: text, state, the wait for the first token', async () => {
    const f = flight(1, { promptMs: 300, tokenMs: 10, text: 'abc' });
    const seen: string[] = [];
    f.onUpdate((x) => seen.push(`${x.state}:${x.text}`));
    assert.equal(f.state, 'waiting');
    await clock.tickAsync(300);
    assert.equal(f.state, 'generating');
    await clock.tickAsync(100);
    await f.closed;
    assert.equal(f.state, 'done');
    assert.equal(f.text, 'abc');
    assert.equal(f.waitedMs, 300);
    assert.deepEqual(seen, ['generating:a', 'generating:ab', 'generating:abc', 'done:abc']);
  });

  it('a cancel while generating closes the connection at once', async () => {
    const log: string[] = [];
    const f = flight(1, { promptMs: 100, tokenMs: 50, text: 'abcdef', log });
    await clock.tickAsync(160);
    f.cancel('stale');
    await f.closed;
    assert.equal(f.state, 'cancelled');
    assert.deepEqual(log, ['send', 'token 1', 'token 2', 'abort']);
    assert.equal(f.closedAt, 160);
  });

  it('a cancel before the first token holds the connection until that token (llama.cpp evaluates the prompt anyway)', async () => {
    const log: string[] = [];
    const f = flight(1, { promptMs: 2000, tokenMs: 50, text: 'abcdef', log });
    await clock.tickAsync(500);
    f.cancel('stale');
    assert.equal(f.state, 'cancelled');
    assert.ok(f.open, 'held open');
    await clock.tickAsync(1500);
    await f.closed;
    assert.deepEqual(log, ['send', 'token 1', 'close']);
    assert.equal(f.closedAt, 2000, 'closed when the server is free again');
  });

  it('without holding (other servers), a cancel before the first token aborts at once', async () => {
    const log: string[] = [];
    const f = flight(1, { promptMs: 2000, tokenMs: 50, text: 'abc', log }, false);
    await clock.tickAsync(500);
    f.cancel('stale');
    await f.closed;
    assert.deepEqual(log, ['send', 'abort']);
    assert.equal(f.closedAt, 500);
  });

  it('gives up holding after the limit when no token ever comes', async () => {
    const log: string[] = [];
    const f = flight(1, { promptMs: 60_000, tokenMs: 50, text: 'abc', log });
    f.cancel('stale');
    await clock.tickAsync(10_000);
    await f.closed;
    assert.deepEqual(log, ['send', 'abort']);
  });

  it('a failure is kept as a classified error', async () => {
    const f = new Flight(1, 'completion', position('x'), () => Promise.reject(new Error('boom')), {
      holdUntilFirstToken: true,
      holdLimitMs: 1000,
    });
    await f.closed;
    assert.equal(f.state, 'failed');
    assert.equal(f.error?.code, 'internal');
  });
});
