// What a server sends is bounded: JSON and error bodies are read up to a cap,
// a stream that goes quiet after its headers ends, stream lines and whole
// completions have a size limit, a request with a body is never redirected
// to another origin, and header values (from settings or secret storage) go
// only to their server and never into the log.
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { ServerClient } from '../../../src/core/http';
import { LIMITS } from '../../../src/core/limits';
import { ndjsonLines, sseEvents } from '../../../src/core/completion/backend';
import { FakeLlamaCpp, FakeOpenAI, startSse } from '../../fakes';
import { configFor, memoryLogger, rejects, useFakes } from './helpers';

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A route that writes `pieces` (strings), then ends or stays open. */
function writes(pieces: string[], end = true) {
  return (_req: unknown, res: http.ServerResponse) => {
    startSse(res);
    for (const p of pieces) res.write(p);
    if (end) res.end();
  };
}

describe('bounds on what a server sends', () => {
  const start = useFakes();

  it('a JSON answer over the cap is a tooLarge error, not a buffer', async () => {
    const fake = await start(new FakeLlamaCpp());
    fake.fault('GET', '/v1/models', { body: { data: [{ id: 'x'.repeat(200_000) }] } });
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const e = await rejects(client.json('/v1/models', { maxBytes: 64 * 1024 }));
    assert.equal(e.code, 'tooLarge');
    assert.equal(e.message, `llama.cpp at ${fake.url} sent an answer over 64 KB (/v1/models); Hearth stopped reading there.`);
    // Under the default cap the same answer is read.
    assert.ok(await client.json('/v1/models'));
  });

  it('reads only the start of a 1 MB error body, and the message stays short', async () => {
    const fake = await start(new FakeLlamaCpp());
    const body = `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>${'<script'.repeat(150_000)}</body></html>`;
    fake.fault('GET', '/v1/models', { status: 502, body });
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const e = await rejects(client.json('/v1/models'));
    assert.equal(e.code, 'server');
    assert.match(e.message, /failed with an internal error \(502\): 502 Bad Gateway Bad Gateway/);
    assert.ok(e.message.length < 500, `${e.message.length} characters`);
  });

  it('server error text is redacted like the log', async () => {
    const fake = await start(new FakeLlamaCpp());
    fake.fault('GET', '/v1/models', {
      status: 500,
      message: 'upstream said: Authorization: Bearer sk-live-abcdef123456 rejected for http://x/y?api_key=topsecret',
    });
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const e = await rejects(client.json('/v1/models'));
    assert.ok(!e.message.includes('sk-live-abcdef123456') && !e.message.includes('topsecret'), e.message);
    assert.match(e.message, /Bearer \*\*\*/);
    assert.ok(!(e.detail ?? '').includes('topsecret'));
  });

  it('stream(): a server that goes quiet after its headers ends the body with a timeout', async () => {
    const fake = await start(new FakeLlamaCpp());
    fake.route('POST', '/infill', writes(['data: {"content":"a","stop":false}\n\n'], false));
    const log = memoryLogger();
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log });
    const res = await client.stream('/infill', { body: {}, idleTimeoutMs: 150 });
    const e = await rejects(res.text());
    assert.equal(e.code, 'timeout');
    assert.equal(e.message, `llama.cpp at ${fake.url} sent nothing for 0.2 s in the middle of its answer.`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fake.lastRequest('/infill')!.aborted, true, 'the connection was closed');
    assert.match(log.text(), /warn: POST .*\/infill failed: \[timeout\]/);
  });

  it('sseEvents: one event over the cap, and a whole completion over its cap, are tooLarge', async () => {
    const fake = await start(new FakeLlamaCpp());
    fake.route('POST', '/big-event', writes([`data: ${'a'.repeat(5000)}`, 'a'.repeat(5000), '\n\n']));
    fake.route('POST', '/many', writes(Array.from({ length: 50 }, () => `data: ${'b'.repeat(500)}\n\n`)));
    fake.route('POST', '/fine', writes(['data: one\n\n', 'data: two\n\n']));
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const bounds = { maxEventChars: 8000, maxTotalChars: 20_000 };
    const big = await rejects(drain(sseEvents(await client.stream('/big-event', { body: {} }), bounds)));
    assert.equal(big.code, 'tooLarge');
    assert.equal(big.message, `llama.cpp at ${fake.url} sent one stream event over 8 KB (/big-event); Hearth stopped reading there.`);
    const many = await rejects(drain(sseEvents(await client.stream('/many', { body: {} }), bounds)));
    assert.match(many.message, /sent more than 20 KB for one completion/);
    assert.deepEqual(await drain(sseEvents(await client.stream('/fine', { body: {} }), bounds)), ['one', 'two']);
    assert.equal(LIMITS.streamLineChars, 64 * 1024);
  });

  it('ndjsonLines: a line over the cap is tooLarge; a line split across chunks is whole', async () => {
    const fake = await start(new FakeLlamaCpp());
    fake.route('POST', '/long', writes(['{"response":"', 'x'.repeat(9000), '"}\n']));
    fake.route('POST', '/split', writes(['{"respo', 'nse":"é"}\n{"done":', 'true}\n']));
    const client = new ServerClient(configFor(fake, 'llamacpp'), { log: memoryLogger() });
    const bounds = { maxEventChars: 8000 };
    const e = await rejects(drain(ndjsonLines(await client.stream('/long', { body: {} }), bounds)));
    assert.match(e.message, /sent one stream line over 8 KB/);
    assert.deepEqual(await drain(ndjsonLines(await client.stream('/split', { body: {} }), bounds)), [{ response: 'é' }, { done: true }]);
  });

  describe('redirects', () => {
    async function redirecting(status: number) {
      const other = await start(new FakeOpenAI({ flavor: 'openai' }));
      const fake = await start(new FakeOpenAI({ flavor: 'openai' }));
      fake.route('*', /^\/v1\//, (req, res) => {
        res.writeHead(status, { location: `${other.url}${req.path}` });
        res.end();
      });
      return { fake, other };
    }

    for (const status of [307, 308, 302]) {
      it(`refuses a ${status} to another origin for a request with a body`, async () => {
        const { fake, other } = await redirecting(status);
        const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger(), apiKey: 'k-1' });
        const e = await rejects(client.json('/v1/completions', { body: { prompt: 'secret code' } }));
        assert.equal(e.code, 'badRequest');
        assert.equal(
          e.message,
          `OpenAI-compatible at ${fake.url} redirected /v1/completions (${status}) to another server, ${other.url}. ` +
            `Hearth does not send a request's content to a server you did not configure; check the server's URL in settings.`,
        );
        assert.deepEqual(e.actions, ['openSettings', 'showLog']);
        assert.equal(other.requests.length, 0, 'nothing reached the other server');
      });
    }

    it('refuses it for streams and for the openai SDK (chat) too', async () => {
      const { fake, other } = await redirecting(307);
      const client = new ServerClient(configFor(fake, 'openai'), { log: memoryLogger() });
      assert.equal((await rejects(client.stream('/v1/completions', { body: { prompt: 'x' } }))).code, 'badRequest');
      const sdk = client.openai();
      const err = await sdk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'code' }] }).catch((e) => e);
      assert.equal(client.classify(err).code, 'badRequest');
      assert.equal(other.requests.length, 0);
    });

    it('follows a cross-origin redirect of a GET, without the key or headers', async () => {
      const { fake, other } = await redirecting(307);
      const client = new ServerClient(configFor(fake, 'openai', { headers: { 'X-Team': 'infra-1' } }), {
        log: memoryLogger(),
        apiKey: 'k-1',
      });
      await client.json('/v1/models');
      const followed = other.lastRequest('/v1/models')!;
      assert.equal(followed.headers.authorization, undefined);
      assert.equal(followed.headers['x-team'], undefined);
    });
  });

  it('secret headers go only to their server and no header value reaches the log', async () => {
    const other = await start(new FakeOpenAI({ flavor: 'openai' }));
    const fake = await start(new FakeOpenAI({ flavor: 'openai' }));
    const log = memoryLogger();
    const client = new ServerClient(configFor(fake, 'openai', { headers: { 'X-Team': 'team-alpha', 'X-Api-Key': 'plain-one' } }), {
      log,
      secretHeaders: { 'x-api-key': 'from-keychain-42', 'CF-Access-Client-Secret': 'cf-secret-99' },
    });
    await client.json('/v1/models');
    const sent = fake.lastRequest('/v1/models')!.headers;
    assert.equal(sent['x-api-key'], 'from-keychain-42', 'the secret wins over the setting');
    assert.equal(sent['cf-access-client-secret'], 'cf-secret-99');
    assert.equal(sent['x-team'], 'team-alpha');
    fake.route('GET', '/v1/models', (req, res) => {
      res.writeHead(302, { location: `${other.url}/v1/models?echo=from-keychain-42&team=team-alpha` });
      res.end();
    });
    await client.json('/v1/models');
    const followed = other.lastRequest('/v1/models')!.headers;
    assert.equal(followed['x-api-key'], undefined);
    assert.equal(followed['cf-access-client-secret'], undefined);
    for (const value of ['from-keychain-42', 'cf-secret-99', 'team-alpha', 'plain-one']) {
      assert.ok(!log.text().includes(value), `${value} is not in the log:\n${log.text()}`);
    }
  });
});
