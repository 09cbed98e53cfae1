import assert from 'node:assert/strict';
import { FakeLlamaCpp, FakeLmStudio, FakeOllama, FakeOpenAI, FakeServer, freePort, sendJson, startSse, writeSse } from '../../fakes';
import { useFakes } from './helpers';

describe('fake servers', () => {
  const start = useFakes();

  it('logs requests with parsed body, headers and query; later routes win', async () => {
    const fake = await start(new FakeServer());
    fake.route('POST', '/x', (_req, res) => sendJson(res, 200, { v: 1 }));
    fake.route('POST', '/x', (req, res) => sendJson(res, 200, { v: 2, got: req.body }));
    const res = await fetch(`${fake.url}/x?a=1`, { method: 'POST', body: JSON.stringify({ hi: true }), headers: { 'X-Test': 'y' } });
    assert.deepEqual(await res.json(), { v: 2, got: { hi: true } });
    const req = fake.lastRequest('/x')!;
    assert.equal(req.method, 'POST');
    assert.equal(req.query.get('a'), '1');
    assert.equal(req.headers['x-test'], 'y');
    assert.deepEqual(req.body, { hi: true });
    assert.equal(fake.requestsTo('/x', 'POST').length, 1);
  });

  it('answers unknown routes in each kind’s own way', async () => {
    const llama = await start(new FakeLlamaCpp());
    const ollama = await start(new FakeOllama());
    const lm = await start(new FakeLmStudio());
    const vllm = await start(new FakeOpenAI());
    const openai = await start(new FakeOpenAI({ flavor: 'openai' }));
    const get = async (f: FakeServer) => {
      const r = await fetch(`${f.url}/nope`);
      return [r.status, await r.text()];
    };
    assert.deepEqual(await get(llama), [404, '{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}']);
    assert.deepEqual(await get(ollama), [404, '404 page not found']);
    assert.deepEqual(await get(lm), [404, '{"error":"Unexpected endpoint or method. (GET /nope)"}']);
    assert.deepEqual(await get(vllm), [404, '{"detail":"Not Found"}']);
    assert.equal(JSON.parse((await get(openai))[1] as string).error.type, 'invalid_request_error');
  });

  it('injects status faults with the kind’s error body, a number of times', async () => {
    const ollama = await start(new FakeOllama());
    ollama.fault('GET', '/api/tags', { status: 500, message: 'out of memory', times: 1 });
    const r1 = await fetch(`${ollama.url}/api/tags`);
    assert.deepEqual([r1.status, await r1.json()], [500, { error: 'out of memory' }]);
    const r2 = await fetch(`${ollama.url}/api/tags`);
    assert.equal(r2.status, 200);
    const vllm = await start(new FakeOpenAI());
    vllm.fault('*', '*', { status: 429, headers: { 'retry-after': '1' } });
    const r3 = await fetch(`${vllm.url}/v1/models`);
    assert.equal(r3.headers.get('retry-after'), '1');
    assert.deepEqual(await r3.json(), { object: 'error', message: 'Too Many Requests', type: 'RateLimitError', param: null, code: 429 });
  });

  it('requires the API key except on public routes', async () => {
    const llama = await start(new FakeLlamaCpp({ apiKey: 'k' }));
    assert.equal((await fetch(`${llama.url}/health`)).status, 200);
    const denied = await fetch(`${llama.url}/props`);
    assert.deepEqual(
      [denied.status, await denied.json()],
      [401, { error: { code: 401, message: 'Invalid API Key', type: 'authentication_error' } }],
    );
    assert.equal((await fetch(`${llama.url}/props`, { headers: { authorization: 'Bearer k' } })).status, 200);
  });

  it('closes promptly with a hanging request open', async () => {
    const fake = await start(new FakeOllama());
    fake.fault('*', '*', { hang: true });
    const pending = fetch(`${fake.url}/api/tags`).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await fake.close();
    assert.ok(Date.now() - t0 < 200);
    assert.equal(await pending, 'failed');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.requests[0].aborted, true);
  });

  it('starts on a given port and streams SSE with the helpers', async () => {
    const port = await freePort();
    const fake = await start(new FakeLlamaCpp({ port }));
    assert.equal(fake.port, port);
    fake.route('POST', '/v1/chat/completions', (_req, res) => {
      startSse(res);
      writeSse(res, { n: 1 });
      writeSse(res, '[DONE]');
      res.end();
    });
    const text = await (await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body: '{}' })).text();
    assert.equal(text, 'data: {"n":1}\n\ndata: [DONE]\n\n');
  });

  it('answers 503 Loading model everywhere while loading', async () => {
    const llama = await start(new FakeLlamaCpp({ loading: true }));
    for (const path of ['/health', '/v1/models', '/props']) {
      const r = await fetch(`${llama.url}${path}`);
      assert.deepEqual([r.status, await r.json()], [503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }]);
    }
    llama.loading = false;
    assert.equal((await fetch(`${llama.url}/health`)).status, 200);
  });
});
