import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { buildPrompt } from '../../../src/core/chat/budget';
import { addMessage, createConversation, toTurns } from '../../../src/core/chat/conversation';
import { HearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import type { ServerKind } from '../../../src/core/types';
import { streamChat, type StreamChatOptions, type StreamDelta } from '../../../src/core/chat/stream';
import { ChatRoutes, startChatServer, type ChatScript, type ChatServer } from '../../fakes/chatRoutes';
import { freePort } from '../../harness/net';
import { memoryLogger } from '../core/helpers';
import { until } from './helpers';

describe('chat/stream against fake servers', () => {
  let server: ChatServer;
  const routes = new ChatRoutes();

  before(async () => {
    server = await startChatServer(routes);
  });
  after(() => server.close());
  beforeEach(() => {
    routes.requests.length = 0;
    routes.clientAborts = 0;
  });

  function client(kind: ServerKind = 'llamacpp') {
    return new ServerClient({ name: 'fake', kind, url: server.url }, { log: memoryLogger() });
  }

  async function run(script: ChatScript, extra: Partial<StreamChatOptions> = {}) {
    routes.script = script;
    const deltas: StreamDelta[] = [];
    const log = memoryLogger();
    const c = client(script.flavor === 'ollama' ? 'ollama' : script.flavor === 'vllm' ? 'vllm' : 'llamacpp');
    const result = await streamChat({
      openai: c.openai(),
      model: 'test-model',
      messages: [{ role: 'user', content: 'Hi' }],
      streamUsage: true,
      log,
      onDelta: (d) => deltas.push(d),
      facts: c.requestFacts(),
      ...extra,
    });
    return { result, deltas, log, body: routes.last };
  }

  it('streams a llama.cpp reply with usage and timings, sending params and extra body', async () => {
    const { result, deltas, body } = await run(
      { reply: 'Hello there, friend.', chunks: 5 },
      {
        params: { temperature: 0.2, top_p: 0.9, max_tokens: 64 },
        extraBody: { top_k: 20, chat_template_kwargs: { enable_thinking: false }, stream: false },
      },
    );
    assert.equal(result.content, 'Hello there, friend.');
    assert.equal(deltas.map((d) => d.content).join(''), 'Hello there, friend.');
    assert.equal(result.error, undefined);
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.stats.completionTokens, 5);
    assert.ok(result.stats.promptTokens && result.stats.promptTokens > 0);
    assert.ok(result.stats.tokensPerSecond && result.stats.tokensPerSecond > 0);
    assert.equal(result.stats.model, '/models/fake.gguf');
    assert.equal(result.stats.stopped, false);
    assert.equal(body.stream, true, 'extra body cannot turn streaming off');
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.temperature, 0.2);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_tokens, 64);
    assert.equal(body.top_k, 20);
    assert.deepEqual(body.chat_template_kwargs, { enable_thinking: false });
    assert.equal(body.model, 'test-model');
  });

  it('leaves out stream_options without streamUsage and reads llama.cpp timings from the finish chunk', async () => {
    const { result, body } = await run({ reply: 'abc def', chunks: 3 }, { streamUsage: false });
    assert.equal(body.stream_options, undefined);
    assert.equal(result.stats.completionTokens, 3);
    assert.ok(result.stats.promptTokens);
  });

  it('keeps Ollama `reasoning` apart from the answer', async () => {
    const { result, deltas } = await run({
      flavor: 'ollama',
      reasoning: 'Let me think about it.',
      reasoningStyle: 'field',
      reply: 'Forty-two.',
    });
    assert.equal(result.reasoning, 'Let me think about it.');
    assert.equal(result.content, 'Forty-two.');
    assert.equal(deltas.map((d) => d.reasoning ?? '').join(''), 'Let me think about it.');
    assert.equal(result.stats.completionTokens, deltas.length);
  });

  it('keeps vLLM `reasoning_content` apart and reads usage from the choices: [] chunk', async () => {
    const { result } = await run({ flavor: 'vllm', reasoning: 'Hmm.', reasoningStyle: 'field', reply: 'Yes.', chunks: 2 });
    assert.equal(result.reasoning, 'Hmm.');
    assert.equal(result.content, 'Yes.');
    assert.equal(result.stats.model, 'test-model');
    assert.equal(result.stats.completionTokens, 3);
  });

  it('splits <think> blocks cut across chunks out of the content', async () => {
    const { result, deltas } = await run({ flavor: 'openai', reasoning: 'step one, step two', reasoningStyle: 'think', reply: 'Done.' });
    assert.equal(result.reasoning, 'step one, step two');
    assert.equal(result.content, 'Done.');
    assert.ok(!deltas.some((d) => d.content?.includes('<') || d.content?.includes('think>')));
  });

  it('measures tokens per second when the server reports nothing', async () => {
    const { result } = await run({ flavor: 'openai', reply: 'one two three four five six', chunks: 6, delayMs: 5 }, { streamUsage: false });
    assert.equal(result.stats.completionTokens, 6);
    assert.equal(result.stats.promptTokens, undefined);
    assert.ok(result.stats.tokensPerSecond && result.stats.tokensPerSecond > 0);
  });

  it('logs and skips a chunk that is not JSON', async () => {
    const { result, log } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'malformedChunk', faultAfter: 2 });
    assert.equal(result.error, undefined);
    assert.equal(result.content, 'abcdefgh');
    assert.match(log.text(), /warn: chat: skipped a stream chunk that is not valid JSON/);
  });

  it('reports a cut-off stream as malformed and keeps the partial text', async () => {
    const { result } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'cutOff', faultAfter: 2 });
    assert.equal(result.content, 'abcd');
    assert.ok(result.error instanceof HearthError);
    assert.equal(result.error.code, 'malformed');
  });

  it('reports a stream that ends without finish_reason or [DONE] as ended early, keeping the text', async () => {
    const { result } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'endEarly', faultAfter: 2 });
    assert.equal(result.content, 'abcd');
    assert.equal(result.error?.code, 'malformed');
    assert.match(result.error?.message ?? '', /stream ended early/);
  });

  it('surfaces an older llama.cpp `error:` line with the partial text', async () => {
    const { result } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'streamErrorLegacy', faultAfter: 2 });
    assert.equal(result.content, 'abcd');
    assert.equal(result.error?.code, 'server');
    assert.match(result.error?.message ?? '', /Fake failure in the middle of the stream/);
  });

  it('surfaces an error object inside the stream (llama.cpp today, vLLM) with the partial text', async () => {
    const { result } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'streamError', faultAfter: 1 });
    assert.equal(result.content, 'ab');
    assert.equal(result.error?.code, 'server');
    assert.match(result.error?.message ?? '', /Fake failure/);
  });

  it('accepts a stream that ends after finish_reason without [DONE]', async () => {
    const { result } = await run({ reply: 'abc', fault: 'noDone' });
    assert.equal(result.error, undefined);
    assert.equal(result.content, 'abc');
  });

  it('throws contextExceeded with the numbers from llama.cpp and vLLM bodies', async () => {
    for (const flavor of ['llamacpp', 'vllm', 'openai'] as const) {
      await assert.rejects(run({ flavor, fault: 'contextExceeded', nCtx: 2048 }), (err: unknown) => {
        assert.ok(err instanceof HearthError, String(err));
        assert.equal(err.code, 'contextExceeded', `${flavor}: ${err.message}`);
        assert.equal(err.nCtx, 2048, flavor);
        assert.ok(err.nPromptTokens, flavor);
        return true;
      });
    }
  });

  it('throws rateLimited and loading with Retry-After', async () => {
    await assert.rejects(run({ fault: 'rateLimited', retryAfter: 2 }), (err: unknown) => {
      assert.ok(err instanceof HearthError);
      assert.equal(err.code, 'rateLimited');
      assert.equal(err.retryAfterMs, 2000);
      return true;
    });
    await assert.rejects(run({ fault: 'unavailable', retryAfter: 3 }), (err: unknown) => {
      assert.ok(err instanceof HearthError);
      assert.equal(err.code, 'loading');
      assert.equal(err.retryAfterMs, 3000);
      return true;
    });
  });

  it('stops on abort mid-stream, keeps the partial text and closes the connection', async () => {
    const controller = new AbortController();
    routes.script = { reply: 'x'.repeat(200), chunks: 100, delayMs: 10 };
    const deltas: StreamDelta[] = [];
    const c = client();
    const promise = streamChat({
      openai: c.openai(),
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      signal: controller.signal,
      onDelta: (d) => {
        deltas.push(d);
        if (deltas.length === 5) controller.abort();
      },
    });
    const result = await promise;
    assert.equal(result.stats.stopped, true);
    assert.equal(result.error, undefined);
    assert.equal(result.content, 'x'.repeat(10));
    await until(() => routes.clientAborts === 1);
  });

  it('stops while waiting for the headers', async () => {
    const controller = new AbortController();
    routes.script = { fault: 'hang' };
    const c = client();
    const promise = streamChat({
      openai: c.openai(),
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      signal: controller.signal,
      onDelta: () => undefined,
    });
    await until(() => routes.requests.length === 1);
    controller.abort();
    const result = await promise;
    assert.equal(result.stats.stopped, true);
    assert.equal(result.content, '');
    routes.closeAll();
  });

  it('gives up after idleTimeoutMs of silence mid-stream', async () => {
    const { result } = await run({ reply: 'abcdefgh', chunks: 4, fault: 'hangMidStream', faultAfter: 2 }, { idleTimeoutMs: 150 });
    assert.equal(result.content, 'abcd');
    assert.equal(result.error?.code, 'timeout');
    await until(() => routes.clientAborts === 1);
  });

  it('returns stopped at once for an already aborted signal, without a request', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result } = await run({ reply: 'abc' }, { signal: controller.signal });
    assert.equal(result.stats.stopped, true);
    assert.equal(routes.requests.length, 0);
  });

  it('works with a plain openai client too (SDK errors classified)', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    routes.script = { reply: 'plain client' };
    const ok = await streamChat({ openai, model: 'm', messages: [{ role: 'user', content: 'Hi' }], onDelta: () => undefined });
    assert.equal(ok.content, 'plain client');
    routes.script = { fault: 'contextExceeded', nCtx: 4096 };
    await assert.rejects(
      streamChat({ openai, model: 'm', messages: [{ role: 'user', content: 'Hi' }], onDelta: () => undefined }),
      (err: unknown) => {
        assert.ok(err instanceof HearthError);
        assert.equal(err.code, 'contextExceeded');
        assert.equal(err.nCtx, 4096);
        return true;
      },
    );
  });

  it('copes with a server that ignores stream: true and answers with one JSON completion', async () => {
    const { result, deltas, log } = await run({ fault: 'jsonReply', reply: 'All at once.', reasoning: 'why', reasoningStyle: 'field' });
    assert.equal(result.error, undefined);
    assert.equal(result.content, 'All at once.');
    assert.equal(result.reasoning, 'why');
    assert.equal(result.stats.completionTokens, 4);
    assert.equal(deltas.length, 2);
    assert.match(log.text(), /answered without streaming/);
  });

  it('never sends reasoning back in later turns', async () => {
    const first = await run({ reasoning: 'SECRET-REASONING', reasoningStyle: 'think', reply: 'Visible answer.' });
    let conv = createConversation(1);
    conv = addMessage(conv, { id: 'u1', role: 'user', content: 'Hi', created: 1 }, 1);
    conv = addMessage(
      conv,
      { id: 'a1', role: 'assistant', content: first.result.content, reasoning: first.result.reasoning, created: 2 },
      2,
    );
    conv = addMessage(conv, { id: 'u2', role: 'user', content: 'And?', created: 3 }, 3);
    const prompt = buildPrompt({ turns: toTurns(conv.messages), contextLength: 4096 });
    await run({ reply: 'ok' }, { messages: prompt.messages });
    const sent = JSON.stringify(routes.last.messages);
    assert.ok(sent.includes('Visible answer.'));
    assert.ok(!sent.includes('SECRET-REASONING'));
    assert.ok(!sent.includes('think>'));
  });

  it('fails with refused when nothing listens', async () => {
    const c = new ServerClient({ name: 'gone', kind: 'llamacpp', url: `http://127.0.0.1:${await freePort()}` }, { log: memoryLogger() });
    await assert.rejects(
      streamChat({
        openai: c.openai(),
        model: 'm',
        messages: [{ role: 'user', content: 'Hi' }],
        onDelta: () => undefined,
        facts: c.requestFacts(),
      }),
      (err: unknown) => err instanceof HearthError && err.code === 'refused',
    );
  });
});
