// Chat with Ollama through its own /api/chat (NDJSON), which takes num_ctx:
// the body, reasoning, stats, stream errors, HTTP errors and stopping.
import assert from 'node:assert/strict';
import { ollamaChatBody } from '../../../src/core/chat/ollamaChat';
import { streamChat, type StreamDelta } from '../../../src/core/chat/stream';
import { HearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { FakeOllama, mountChat, type ChatRoutes } from '../../fakes';
import { configFor, memoryLogger, useFakes } from '../core/helpers';

describe('chat with Ollama /api/chat', () => {
  const start = useFakes();
  let fake: FakeOllama;
  let routes: ChatRoutes;
  let client: ServerClient;

  beforeEach(async () => {
    fake = await start(new FakeOllama());
    routes = mountChat(fake);
    client = new ServerClient(configFor(fake, 'ollama'), { log: memoryLogger() });
  });

  const chat = (numCtx: number | undefined, extra: Partial<Parameters<typeof streamChat>[0]> = {}) => {
    const deltas: StreamDelta[] = [];
    const log = memoryLogger();
    const result = streamChat({
      ollama: { client, numCtx },
      model: 'llama3.2:3b',
      messages: [{ role: 'user', content: 'Hi' }],
      params: { temperature: 0.3, max_tokens: 100 },
      extraBody: { top_k: 20, keep_alive: '10m', stream: false },
      log,
      onDelta: (d) => deltas.push(d),
      facts: client.requestFacts(),
      ...extra,
    });
    return { result, deltas, log };
  };

  it('sends num_ctx and the sampling options the way /api/chat takes them, and streams the reply', async () => {
    routes.script = { reply: 'Hello there, friend.', reasoning: 'Thinking hard.' };
    const { result, deltas } = chat(8192);
    const r = await result;
    assert.equal(r.content, 'Hello there, friend.');
    assert.equal(r.reasoning, 'Thinking hard.');
    assert.equal(deltas.map((d) => d.content ?? '').join(''), 'Hello there, friend.');
    assert.equal(r.error, undefined);
    assert.equal(r.finishReason, 'stop');
    assert.ok(r.stats.promptTokens && r.stats.completionTokens && r.stats.tokensPerSecond);
    assert.equal(r.stats.model, 'llama3.2:3b');
    const body = routes.last;
    assert.equal(fake.lastRequest('/api/chat')?.path, '/api/chat');
    assert.deepEqual(body.options, { temperature: 0.3, num_predict: 100, top_k: 20, num_ctx: 8192 });
    assert.equal(body.keep_alive, '10m', 'fields of /api/chat itself stay at the top');
    assert.equal(body.stream, true, 'extra fields cannot turn streaming off');
    assert.equal(fake.requestsTo('/v1/chat/completions').length, 0);
  });

  it('sends no num_ctx when the context is not known (Ollama then uses its own, for completion too)', async () => {
    await chat(undefined).result;
    assert.equal(routes.last.options.num_ctx, undefined);
    const log = memoryLogger();
    assert.deepEqual(ollamaChatBody({ model: 'm', messages: [], extraBody: { num_ctx: 1, options: {} } }, log).options, {});
    assert.match(log.text(), /ignoring extra body field "num_ctx"/);
  });

  it('keeps what arrived when an error line ends the stream', async () => {
    routes.script = { reply: 'One two three four five six.', fault: 'streamError', faultAfter: 2 };
    const r = await chat(4096).result;
    assert.equal(r.content, 'One two ');
    assert.ok(r.error);
    assert.match(r.error.message, /an error was encountered while running the model/);
  });

  it('says which model Ollama does not have', async () => {
    await assert.rejects(chat(4096, { model: 'nope:1b' }).result, (err: unknown) => {
      assert.ok(err instanceof HearthError);
      assert.equal(err.code, 'modelNotFound');
      assert.match(err.message, /has no model "nope:1b"/);
      return true;
    });
  });

  it('stops at once and closes the stream', async () => {
    routes.script = { reply: 'a b c d e f g h i j k l m n o p', delayMs: 30 };
    const ac = new AbortController();
    const { result, deltas } = chat(4096, { signal: ac.signal });
    while (deltas.length < 2) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const r = await result;
    assert.equal(r.stats.stopped, true);
    assert.ok(r.content.length > 0 && r.content.length < 'a b c d e f g h i j k l m n o p'.length);
  });
});
