// streamChat and the budget against a real llama-server (skipped unless
// HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are set; the tiny
// model babbles, so these assert on protocol and flow, not on text).
import assert from 'node:assert/strict';
import { buildPrompt, trimHarder } from '../../../src/core/chat/budget';
import { streamChat } from '../../../src/core/chat/stream';
import { type HearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { startLlamaOrSkip, type LlamaServer } from '../../harness/llamaServer';
import { memoryLogger } from '../core/helpers';

describe('chat/stream against a real llama-server', function () {
  this.timeout(30_000);
  let server: LlamaServer | undefined;
  let client: ServerClient;

  before(async function () {
    server = await startLlamaOrSkip(this, { ctx: 2048, parallel: 1 });
    client = new ServerClient({ name: 'llama', kind: 'llamacpp', url: server.url }, { log: memoryLogger() });
  });
  after(async () => {
    await server?.stop();
  });

  it('streams with usage and llama.cpp timings', async () => {
    let deltas = 0;
    const result = await streamChat({
      openai: client.openai(),
      model: 'tiny',
      messages: [{ role: 'user', content: 'Say something.' }],
      params: { max_tokens: 16, temperature: 0.5 },
      extraBody: { top_k: 40, repeat_penalty: 1.1 },
      streamUsage: true,
      onDelta: () => deltas++,
    });
    assert.equal(result.error, undefined);
    assert.equal(result.finishReason, 'length');
    assert.equal(result.stats.completionTokens, 16);
    assert.ok(result.stats.promptTokens && result.stats.promptTokens > 5);
    assert.ok(result.stats.tokensPerSecond && result.stats.tokensPerSecond > 0);
    assert.ok(deltas > 0 && result.content.length > 0);
  });

  it('frees the only slot when the reply is stopped', async () => {
    const controller = new AbortController();
    let deltas = 0;
    const stopped = await streamChat({
      openai: client.openai(),
      model: 'tiny',
      messages: [{ role: 'user', content: 'Go on forever.' }],
      params: { max_tokens: 1900 },
      signal: controller.signal,
      onDelta: () => {
        if (++deltas === 3) controller.abort();
      },
    });
    assert.equal(stopped.stats.stopped, true);
    const started = Date.now();
    const next = await streamChat({
      openai: client.openai(),
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      params: { max_tokens: 4 },
      onDelta: () => undefined,
    });
    assert.equal(next.error, undefined);
    assert.ok(Date.now() - started < 3000, `second request waited ${Date.now() - started} ms`);
  });

  it('recovers from a context-exceeded error with one trimHarder retry', async () => {
    const turns = [];
    for (let i = 0; i < 12; i++) {
      turns.push({ role: 'user' as const, content: `question ${i} ${'lorem ipsum '.repeat(40)}` });
      turns.push({ role: 'assistant' as const, content: `answer ${i} ${'dolor sit amet '.repeat(40)}` });
    }
    turns.push({ role: 'user' as const, content: 'And now?' });
    // Pretend the model has a much larger window than the server's slot (a common mismatch).
    const first = buildPrompt({ turns, contextLength: 16_384, maxTokens: 8 });
    let error: HearthError | undefined;
    try {
      await streamChat({
        openai: client.openai(),
        model: 'tiny',
        messages: first.messages,
        params: { max_tokens: 8 },
        onDelta: () => undefined,
        facts: client.requestFacts(),
      });
    } catch (err) {
      error = err as HearthError;
    }
    assert.equal(error?.code, 'contextExceeded');
    assert.equal(error?.nCtx, 2048);
    const second = trimHarder(first, error?.nCtx, error?.nPromptTokens);
    assert.ok(second.omitted.turns > first.omitted.turns);
    const result = await streamChat({
      openai: client.openai(),
      model: 'tiny',
      messages: second.messages,
      params: { max_tokens: 8 },
      onDelta: () => undefined,
    });
    assert.equal(result.error, undefined);
    assert.equal(second.messages[second.messages.length - 1].content, 'And now?');
  });
});
