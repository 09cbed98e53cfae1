import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { withRetry, sleep, isRetryable, untilHealthy } from '../../../src/core/retry';
import { HearthError, errorFromResponse } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { FakeOpenAI } from '../../fakes';
import { configFor, memoryLogger } from './helpers';

const rateLimited = (retryAfterMs?: number) => new HearthError('rateLimited', 'slow down', { status: 429, retryAfterMs });
const loading = () => new HearthError('loading', 'loading', { status: 503 });

describe('withRetry', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  it('retries 429 after Retry-After and then succeeds', async () => {
    const delays: number[] = [];
    let last = Date.now();
    let calls = 0;
    const p = withRetry(async () => {
      delays.push(Date.now() - last);
      last = Date.now();
      if (++calls < 3) throw rateLimited(2000);
      return 'ok';
    });
    await clock.runAllAsync();
    assert.equal(await p, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(delays, [0, 2000, 2000]);
  });

  it('waits for a loading model with backoff, not counting attempts, for up to two minutes', async () => {
    const at: number[] = [];
    const start = Date.now();
    let told = 0;
    const p = withRetry(
      async () => {
        at.push(Date.now() - start);
        throw loading();
      },
      { baseDelayMs: 500, maxAttempts: 3, onLoading: () => told++ },
    );
    const done = p.catch((e: unknown) => e);
    await clock.runAllAsync();
    const err = await done;
    assert.ok(err instanceof HearthError && err.code === 'loading');
    assert.match(err.message, /still loading its model after 120 s/);
    assert.deepEqual(at.slice(0, 6), [0, 500, 1500, 3500, 7500, 15500], 'doubling waits, capped at 10 s');
    assert.equal(at[at.length - 1], 120_000, 'the last try at the two-minute mark');
    assert.ok(at.length > 3, 'more tries than maxAttempts');
    assert.equal(told, 1, 'told once');
  });

  it('retries a loading model once the server says it has loaded', async () => {
    let calls = 0;
    const waits: number[] = [];
    const p = withRetry(
      async () => {
        if (++calls < 3) throw loading();
        return 'loaded';
      },
      { untilLoaded: async (maxMs) => void waits.push(maxMs), now: () => 0 },
    );
    await clock.runAllAsync();
    assert.equal(await p, 'loaded');
    assert.deepEqual(waits, [120_000, 120_000]);
  });

  it('still waits between tries when the server says it has loaded but the request says loading', async () => {
    const at: number[] = [];
    const start = Date.now();
    const p = withRetry(
      async () => {
        at.push(Date.now() - start);
        if (at.length < 3) throw loading();
        return 'loaded';
      },
      { untilLoaded: async () => undefined },
    );
    await clock.runAllAsync();
    assert.equal(await p, 'loaded');
    assert.deepEqual(at, [0, 1000, 3000], 'the backoff holds even after a quick "loaded"');
  });

  it('caps a long Retry-After', async () => {
    const at: number[] = [];
    const start = Date.now();
    const p = withRetry(
      async (attempt) => {
        at.push(Date.now() - start);
        if (attempt === 1) throw rateLimited(120_000);
        return attempt;
      },
      { maxDelayMs: 10_000 },
    );
    await clock.runAllAsync();
    assert.equal(await p, 2);
    assert.deepEqual(at, [0, 10_000]);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      throw new HearthError('server', 'boom', { status: 500 });
    });
    await assert.rejects(p, (e: HearthError) => e.code === 'server');
    assert.equal(calls, 1);
    assert.equal(isRetryable(new Error('x')), false);
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw rateLimited(5000);
      },
      { signal: ac.signal },
    );
    const done = p.catch((e: unknown) => e);
    await clock.tickAsync(1000);
    ac.abort();
    const err = await done;
    assert.ok(err instanceof HearthError);
    assert.equal(err.code, 'aborted');
    assert.equal(calls, 1);
    await assert.rejects(sleep(10, ac.signal), (e: HearthError) => e.code === 'aborted');
  });

  it('takes Retry-After as an HTTP date from the response', () => {
    const inThree = new Date(Date.now() + 3000).toUTCString();
    const e = errorFromResponse(429, '', {}, new Headers({ 'retry-after': inThree }));
    assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 2000 && e.retryAfterMs <= 3000);
  });
});

describe('withRetry against a fake server', () => {
  let fake: FakeOpenAI;
  afterEach(() => fake?.close());

  it('polls /health while the model loads, then returns (vLLM answers 503 there too)', async () => {
    fake = await new FakeOpenAI({ flavor: 'vllm' }).start();
    fake.fault('GET', '/health', { status: 503, message: 'Loading model', times: 3 });
    const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
    await untilHealthy(client, 10_000, undefined, { firstDelayMs: 10 });
    assert.equal(fake.requestsTo('/health').length, 4, 'three 503s, then 200');
  });

  it('stops polling at once on a server without /health', async () => {
    fake = await new FakeOpenAI().start();
    const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger() });
    const t0 = Date.now();
    await untilHealthy(client, 10_000, undefined, { firstDelayMs: 10 });
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(fake.requestsTo('/health').length, 1);
  });

  it('retries a real 429 with Retry-After: 0.05 and logs it', async () => {
    fake = await new FakeOpenAI().start();
    fake.fault('GET', '/v1/models', { status: 429, message: 'Too many requests', headers: { 'retry-after': '0.05' }, times: 1 });
    const log = memoryLogger();
    const client = new ServerClient(configFor(fake, 'vllm'), { log });
    const t0 = Date.now();
    const body = await withRetry(() => client.json<{ data: unknown[] }>('/v1/models'), { log });
    assert.equal(body.data.length, 1);
    assert.ok(Date.now() - t0 >= 45);
    assert.equal(fake.requestsTo('/v1/models').length, 2);
    assert.match(log.text(), /rate limited \(429\); retry 1\/2 in 50 ms/);
  });
});
