import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/http';
import { HearthError } from '../../../src/core/errors';
import { FakeLlamaCpp, FakeOllama, FakeOpenAI, freePort, llamaContextExceeded, sendJson, startSse, writeSse } from '../../fakes';
import { configFor, memoryLogger, rejects, useFakes } from './helpers';

describe('ServerClient', () => {
  const start = useFakes();

  it('sends once more when the server closed the connection before any answer (a kept-alive socket it had just closed)', async () => {
    const fake = await start(new FakeOpenAI());
    let calls = 0;
    fake.route('POST', '/v1/echo', (req, res) => {
      if (++calls === 1) return void res.socket?.destroy();
      sendJson(res, 200, { ok: true });
    });
    const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger() });
    assert.deepEqual(await client.json('/v1/echo', { method: 'POST', body: { a: 1 } }), { ok: true });
    assert.equal(calls, 2);
    // A server that never answers is still an error, after one more try only.
    fake.route('POST', '/v1/never', (_req, res) => void res.socket?.destroy());
    const err = await rejects(client.json('/v1/never', { method: 'POST', body: { a: 1 } }));
    assert.equal(err.code, 'unreachable');
    assert.equal(fake.requestsTo('/v1/never').length, 2);
  });

  describe('classifies every failure against real-shaped servers', () => {
    it('refused: nothing listening', async () => {
      const port = await freePort();
      const client = new ServerClient(configFor(`http://127.0.0.1:${port}`, 'llamacpp'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'refused');
      assert.equal(e.message, `llama.cpp at http://127.0.0.1:${port} is not running (connection refused).`);
    });

    it('timeout: a server that never answers', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.fault('GET', '/v1/models', { hang: true });
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const t0 = Date.now();
      const e = await rejects(client.json('/v1/models', { timeoutMs: 150 }));
      assert.equal(e.code, 'timeout');
      assert.equal(e.message, `llama.cpp at ${fake.url} did not answer within 0.2 s.`);
      assert.ok(Date.now() - t0 < 1000);
    });

    it('allows two minutes to the first byte unless the server says otherwise', () => {
      assert.equal(new ServerClient(configFor('http://127.0.0.1:1', 'llamacpp'), { log: memoryLogger() }).timeoutMs, 120_000);
      assert.equal(
        new ServerClient(configFor('http://127.0.0.1:1', 'llamacpp', { timeoutSeconds: 7 }), { log: memoryLogger() }).timeoutMs,
        7000,
      );
    });

    it('timeout from the server config', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.fault('GET', '/v1/models', { delayMs: 400 });
      const client = new ServerClient(configFor(fake, 'llamacpp', { timeoutSeconds: 0.1 }), { log: memoryLogger() });
      assert.equal((await rejects(client.json('/v1/models'))).code, 'timeout');
    });

    it('aborted by the caller', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.fault('GET', '/v1/models', { hang: true });
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 30);
      const e = await rejects(client.json('/v1/models', { signal: ac.signal }));
      assert.equal(e.code, 'aborted');
    });

    it('401 from a llama-server started with --api-key', async () => {
      const fake = await start(new FakeLlamaCpp({ apiKey: 'sekret' }));
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'unauthorized');
      assert.equal(e.status, 401);
      assert.match(e.message, /rejected the request \(401\): it needs an API key/);
      const wrong = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger(), apiKey: 'nope' });
      assert.match((await rejects(wrong.json('/v1/models'))).message, /the API key is missing or wrong\.$/);
      const right = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger(), apiKey: 'sekret' });
      assert.ok(await right.json('/v1/models'));
    });

    it('404 for an unknown Ollama model', async () => {
      const fake = await start(new FakeOllama());
      const client = new ServerClient(configFor(fake, 'ollama'), { log: memoryLogger() });
      const e = await rejects(client.json('/api/show', { body: { model: 'qwen2.5-coder:7b' } }));
      assert.equal(e.code, 'modelNotFound');
      assert.equal(e.message, `Ollama at ${fake.url} has no model "qwen2.5-coder:7b".`);
    });

    it('503 while llama.cpp loads its model', async () => {
      const fake = await start(new FakeLlamaCpp({ loading: true }));
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const e = await rejects(client.json('/health'));
      assert.equal(e.code, 'loading');
      assert.equal(e.message, `llama.cpp at ${fake.url} is still loading its model; try again in a moment.`);
    });

    it('400 exceed_context_size_error', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.route('POST', '/v1/chat/completions', (_req, res) => sendJson(res, 400, llamaContextExceeded(5000, 2048)));
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/chat/completions', { body: { model: 'm', messages: [] } }));
      assert.deepEqual([e.code, e.nCtx, e.nPromptTokens, e.model], ['contextExceeded', 2048, 5000, 'm']);
    });

    it('500 with the server message', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { status: 500, message: 'CUDA out of memory' });
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'server');
      assert.equal(e.message, `vLLM at ${fake.url} failed with an internal error (500): CUDA out of memory`);
    });

    it('malformed JSON', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { malformed: true });
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'malformed');
      assert.equal(e.message, `vLLM at ${fake.url} sent a response that is not valid JSON.`);
    });

    it('a body cut off mid-response', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { cutOff: true });
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'malformed');
      assert.match(e.message, /closed the connection in the middle of its answer/);
    });

    it('a connection reset before any answer', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { reset: true });
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      const e = await rejects(client.json('/v1/models'));
      assert.equal(e.code, 'unreachable');
      assert.match(e.message, /closed the connection without answering/);
    });

    it('a fault applies only as many times as asked', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { status: 503, message: 'Loading model', times: 1 });
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      assert.equal((await rejects(client.json('/v1/models'))).code, 'loading');
      assert.ok(await client.json('/v1/models'));
    });
  });

  describe('API key and headers', () => {
    it('sends no Authorization without a key, and the server headers', async () => {
      const fake = await start(new FakeLlamaCpp());
      const client = new ServerClient(configFor(fake, 'llamacpp', { headers: { 'X-Team': 'a' } }), { log: memoryLogger() });
      await client.json('/v1/models');
      const req = fake.lastRequest('/v1/models')!;
      assert.equal(req.headers.authorization, undefined);
      assert.equal(req.headers['x-team'], 'a');
    });

    it('sends Bearer <key> to the server origin', async () => {
      const fake = await start(new FakeLlamaCpp());
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger(), apiKey: 'k-123' });
      await client.json('/props');
      assert.equal(fake.lastRequest('/props')!.headers.authorization, 'Bearer k-123');
    });

    it('drops the key and server headers on a redirect to another origin', async () => {
      const other = await start(new FakeOpenAI({ flavor: 'openai' }));
      const fake = await start(new FakeOpenAI({ flavor: 'openai' }));
      fake.route('GET', '/v1/models', (_req, res) => {
        res.writeHead(307, { location: `${other.url}/v1/models` });
        res.end();
      });
      const client = new ServerClient(configFor(fake, 'openai', { headers: { 'X-Secret-Header': 's' } }), {
        log: memoryLogger(),
        apiKey: 'k-123',
      });
      await client.json('/v1/models');
      assert.equal(fake.lastRequest('/v1/models')!.headers.authorization, 'Bearer k-123');
      const followed = other.lastRequest('/v1/models')!;
      assert.ok(followed, 'the redirect was followed');
      assert.equal(followed.headers.authorization, undefined);
      assert.equal(followed.headers['x-secret-header'], undefined);
    });

    it('keeps the key on a same-origin redirect and turns POST into GET on 303', async () => {
      const fake = await start(new FakeOpenAI({ flavor: 'openai' }));
      fake.route('POST', '/old', (_req, res) => {
        res.writeHead(303, { location: '/v1/models' });
        res.end();
      });
      const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger(), apiKey: 'k-123' });
      await client.json('/old', { body: { a: 1 } });
      const followed = fake.lastRequest('/v1/models')!;
      assert.equal(followed.method, 'GET');
      assert.equal(followed.headers.authorization, 'Bearer k-123');
    });

    it('openai SDK: no Authorization without a key', async () => {
      const fake = await start(new FakeOpenAI({ flavor: 'openai' }));
      const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger() });
      const page = await client.openai().models.list();
      assert.equal(page.data[0].id, 'Qwen/Qwen2.5-Coder-7B-Instruct');
      const req = fake.lastRequest('/v1/models')!;
      assert.equal(req.headers.authorization, undefined);
      assert.equal(req.headers['openai-organization'], undefined);
    });

    it('openai SDK: Bearer key to the same origin, none after a cross-origin redirect', async () => {
      const other = await start(new FakeOpenAI({ flavor: 'openai' }));
      const fake = await start(new FakeOpenAI({ flavor: 'openai', apiKey: 'k-9' }));
      const client = new ServerClient(configFor(fake, 'openai', { headers: { 'X-Org': 'o' } }), { log: memoryLogger(), apiKey: 'k-9' });
      await client.openai().models.list();
      assert.equal(fake.lastRequest('/v1/models')!.headers.authorization, 'Bearer k-9');
      assert.equal(fake.lastRequest('/v1/models')!.headers['x-org'], 'o');
      fake.route('GET', '/v1/models', (_req, res) => {
        res.writeHead(302, { location: `${other.url}/v1/models` });
        res.end();
      });
      fake.requireApiKey(undefined);
      await client.openai().models.list();
      assert.equal(other.lastRequest('/v1/models')!.headers.authorization, undefined);
      assert.equal(other.lastRequest('/v1/models')!.headers['x-org'], undefined);
    });

    it('openai SDK: errors become HearthErrors through classify', async () => {
      const fake = await start(new FakeOpenAI());
      fake.route('POST', '/v1/chat/completions', (_req, res) => sendJson(res, 400, fake.contextExceededBody(5000, 4096)));
      const client = new ServerClient(configFor(fake, 'vllm'), { log: memoryLogger() });
      try {
        await client.openai().chat.completions.create({ model: 'Qwen/X', messages: [{ role: 'user', content: 'hi' }] });
        assert.fail('should throw');
      } catch (err) {
        const e = client.classify(err);
        assert.deepEqual([e.code, e.nCtx, e.nPromptTokens, e.model], ['contextExceeded', 4096, 4984, 'Qwen/X']);
      }
      const port = await freePort();
      const down = new ServerClient(configFor(`http://127.0.0.1:${port}`, 'vllm'), { log: memoryLogger() });
      const refused = await down
        .openai()
        .models.list()
        .catch((err: unknown) => down.classify(err));
      assert.ok(refused instanceof HearthError);
      assert.equal(refused.code, 'refused');
      fake.fault('GET', '/v1/models', { hang: true });
      const slow = await client
        .openai({ timeoutMs: 100 })
        .models.list()
        .catch((err: unknown) => client.classify(err));
      assert.ok(slow instanceof HearthError);
      assert.equal(slow.code, 'timeout');
      fake.clearFaults().fault('GET', '/v1/models', { status: 500, message: 'upstream timed out' });
      const failed = await client
        .openai()
        .models.list()
        .catch((err: unknown) => client.classify(err));
      assert.ok(failed instanceof HearthError);
      assert.equal(failed.code, 'server', 'a 5xx mentioning "timed out" stays a server error');
    });
  });

  describe('streams and logging', () => {
    it('streams an SSE body and logs one line with tokens when it ends', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.route('POST', '/v1/chat/completions', (_req, res) => {
        startSse(res);
        writeSse(res, { choices: [{ delta: { content: 'hi' } }] });
        writeSse(res, { choices: [], usage: { prompt_tokens: 20, completion_tokens: 3 } });
        writeSse(res, '[DONE]');
        res.end();
      });
      const log = memoryLogger();
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log, apiKey: 'key-abcdef' });
      const stats = { promptTokens: undefined as number | undefined, completionTokens: undefined as number | undefined };
      const res = await client.stream('/v1/chat/completions', { body: { model: 'm', stream: true }, stats });
      assert.equal(log.lines.length, 0, 'nothing logged before the body ends');
      const text = await res.text();
      assert.match(text, /\[DONE\]/);
      stats.promptTokens = 20;
      assert.equal(log.lines.length, 1);
      assert.match(log.lines[0].message, new RegExp(`^POST ${fake.url}/v1/chat/completions 200 \\(\\d+ ms`));
      assert.equal(log.lines[0].level, 'info');
    });

    it('adds token counts set before the end', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.route('POST', '/x', (_req, res) => {
        startSse(res);
        writeSse(res, 'a');
        setTimeout(() => res.end(), 20);
      });
      const log = memoryLogger();
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log });
      const stats: { promptTokens?: number; completionTokens?: number } = {};
      const res = await client.stream('/x', { body: {}, stats });
      const reader = res.body!.getReader();
      await reader.read();
      stats.promptTokens = 12;
      stats.completionTokens = 4;
      while (!(await reader.read()).done);
      assert.match(log.lines[0].message, /12 prompt \+ 4 completion tokens/);
    });

    it('stream(): an error status throws with the body message; a cut-off body errors as malformed', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.fault('POST', '/infill', { status: 501, message: 'This server does not support infill.' });
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
      const e = await rejects(client.stream('/infill', { body: {} }));
      assert.equal(e.code, 'notFound');
      fake.route('POST', '/cut', (_req, res) => {
        startSse(res);
        writeSse(res, 'partial');
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const res = await client.stream('/cut', { body: {} });
      const cut = await rejects(res.text());
      assert.equal(cut.code, 'malformed');
    });

    it('stream(): aborting mid-body rejects the read as aborted and closes the connection', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.route('POST', '/completion', (_req, res) => {
        startSse(res);
        writeSse(res, { content: 'a' });
        // then nothing: a slow generation
      });
      const log = memoryLogger();
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log });
      const ac = new AbortController();
      const res = await client.stream('/completion', { body: { stream: true }, signal: ac.signal, timeoutMs: 50 });
      await new Promise((r) => setTimeout(r, 80)); // past timeoutMs: it only covers the headers
      const reader = res.body!.getReader();
      await reader.read();
      setTimeout(() => ac.abort(), 10);
      const e = await rejects(reader.read());
      assert.equal(e.code, 'aborted');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(fake.lastRequest('/completion')!.aborted, true);
      assert.deepEqual(
        log.lines.map((l) => l.level),
        ['debug'],
      );
    });

    it('stream(): cancelling the body logs once and closes the connection', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.route('POST', '/completion', (_req, res) => {
        startSse(res);
        writeSse(res, { content: 'a' });
      });
      const log = memoryLogger();
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log });
      const res = await client.stream('/completion', { body: {} });
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(fake.lastRequest('/completion')!.aborted, true);
      assert.equal(log.lines.length, 1);
      assert.match(log.lines[0].message, /200 cancelled/);
    });

    it('logs failures as warnings and never the key', async () => {
      const fake = await start(new FakeLlamaCpp({ apiKey: 'right-key' }));
      const log = memoryLogger();
      const client = new ServerClient(configFor(fake, 'llamacpp'), { log, apiKey: 'wrong-key-value' });
      await rejects(client.json('/v1/models?api_key=wrong-key-value'));
      assert.equal(log.lines.length, 1);
      assert.equal(log.lines[0].level, 'warn');
      assert.match(log.lines[0].message, /GET .*\/v1\/models\?api_key=\*\*\* 401: \[unauthorized 401\]/);
      assert.ok(!log.text().includes('wrong-key-value'));
    });

    it('probes log quietly', async () => {
      const port = await freePort();
      const log = memoryLogger();
      const client = new ServerClient(configFor(`http://127.0.0.1:${port}`, 'ollama'), { log });
      await rejects(client.raw('/api/version', { quiet: true }));
      assert.deepEqual(
        log.lines.map((l) => l.level),
        ['debug'],
      );
    });
  });
});
