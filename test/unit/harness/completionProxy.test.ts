// The recording proxy's counts: completion POSTs sent, aborted by the client,
// completed, the streamed text, and the most in flight at once.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRecordingProxy, type RecordingProxy } from '../../harness/completionProxy';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Streams `n` one-token events, one every 20 ms, on any POST; answers GETs at once. */
async function startStreamer(n: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') {
      res.end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const timer = setInterval(() => {
      if (i < n) res.write(`data: ${JSON.stringify({ content: `t${i++} `, stop: false })}\n\n`);
      else {
        clearInterval(timer);
        res.end(`data: ${JSON.stringify({ content: '', stop: true, timings: { predicted_n: n } })}\n\n`);
      }
    }, 20);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('completion proxy (test harness)', () => {
  let upstream: Awaited<ReturnType<typeof startStreamer>>;
  let proxy: RecordingProxy;
  beforeEach(async () => {
    upstream = await startStreamer(5);
    proxy = await startRecordingProxy(upstream.url);
  });
  afterEach(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('counts completed and aborted completion requests, their streamed text and the most in flight', async () => {
    const post = (path: string, signal?: AbortSignal) =>
      fetch(`${proxy.url}${path}`, { method: 'POST', body: JSON.stringify({ prompt: 'x', stream: true }), signal }).then((r) => r.text());
    await fetch(`${proxy.url}/health`).then((r) => r.text());
    const controller = new AbortController();
    const aborted = post('/infill', controller.signal).catch(() => 'aborted');
    const completed = post('/v1/completions');
    await sleep(70);
    controller.abort();
    assert.equal(await aborted, 'aborted');
    await completed;
    await sleep(50);
    const counts = proxy.counts();
    assert.deepEqual(counts, { sent: 2, aborted: 1, completed: 1, failed: 0, inFlight: 0, maxInFlight: 2 });
    const [cut, full] = proxy.completions();
    assert.equal(cut.path, '/infill');
    assert.deepEqual(cut.body, { prompt: 'x', stream: true });
    assert.ok(cut.closedAt !== undefined && cut.ended === undefined);
    assert.ok(cut.textEvents >= 1 && cut.textEvents < 5, `${cut.textEvents} events before the abort`);
    assert.equal(full.textEvents, 5);
    assert.equal(full.text, 't0 t1 t2 t3 t4 ');
    assert.equal(full.last?.stop, true);
    assert.equal(proxy.records.length, 3, 'the GET is recorded but not counted');
  });
});
