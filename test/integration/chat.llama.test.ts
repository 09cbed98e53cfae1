// The chat against a real llama.cpp llama-server (skipped with the reason
// when HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL are not set): a
// streamed reply with usage and timings, and Stop freeing the slot at once.
import * as assert from 'node:assert/strict';
import type { HostToWebview } from '../../src/core/chat/protocol';
import { startLlamaOrSkip, type LlamaServer } from '../harness/llamaServer';
import { resetChatSettings } from './chatHelpers';
import { hearth, setUserSetting, useServer, waitFor } from './helpers';

interface Slot {
  id: number;
  is_processing: boolean;
}

describe('chat: real llama-server', function () {
  this.timeout(90_000);
  let server: LlamaServer | undefined;
  let modelId = '';

  before(async function () {
    // One slot: a reply that kept running after Stop would hold the only slot.
    server = await startLlamaOrSkip(this, { ctx: 4096, parallel: 1 });
    modelId = server.modelId;
    const api = await hearth();
    await useServer(api, { name: 'Real llama.cpp', kind: 'llamacpp', url: server.url }, 'chat', modelId);
  });

  after(async () => {
    await server?.stop();
    await resetChatSettings();
  });

  it('streams a reply with usage and timings', async () => {
    const api = await hearth();
    await setUserSetting('chat.maxTokens', 24);
    const c = api.chat.controller;
    await c.newChat();
    const posts: HostToWebview[] = [];
    const listener = c.onDidPost((m) => posts.push(m));
    try {
      await c.send('Say something.');
    } finally {
      listener.dispose();
    }
    const reply = c.current.messages[1];
    assert.equal(reply.error, undefined, reply.error?.message);
    assert.ok(reply.content.length > 0);
    // The tiny model is fast: 24 tokens may arrive within one 16 ms batch.
    const streamed = posts.map((m) => (m.type === 'delta' ? (m.content ?? '') : '')).join('');
    assert.equal(streamed, reply.content, 'what streamed is what was kept');
    assert.ok(reply.stats && reply.stats.completionTokens! > 0 && reply.stats.completionTokens! <= 24, JSON.stringify(reply.stats));
    assert.ok(reply.stats.promptTokens! > 0);
    assert.ok(reply.stats.tokensPerSecond! > 0);
    assert.equal(reply.stats.model, modelId);
  });

  it('Stop aborts the request and frees the slot (GET /slots)', async () => {
    const api = await hearth();
    await setUserSetting('chat.maxTokens', 3000);
    const c = api.chat.controller;
    await c.newChat();
    let deltas = 0;
    const listener = c.onDidPost((m) => void (m.type === 'delta' && deltas++));
    const sending = c.send('Write a very long story.');
    try {
      await waitFor('the reply to stream', () => deltas >= 3, 30_000);
      const busy = (await (await fetch(`${server!.url}/slots`)).json()) as Slot[];
      assert.ok(
        busy.some((s) => s.is_processing),
        'the slot is busy while streaming',
      );
      const stopped = Date.now();
      await c.stop();
      await sending;
      let slots: Slot[] = [];
      for (let i = 0; i < 20; i++) {
        slots = (await (await fetch(`${server!.url}/slots`)).json()) as Slot[];
        if (!slots.some((s) => s.is_processing)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const freedAfter = Date.now() - stopped;
      assert.ok(!slots.some((s) => s.is_processing), `a slot is still processing ${freedAfter} ms after Stop: ${JSON.stringify(slots)}`);
      assert.ok(freedAfter < 500, `the slot was freed ${freedAfter} ms after Stop`);
      console.log(`    slot free ${freedAfter} ms after Stop`);
      const reply = c.current.messages[1];
      assert.equal(reply.stopped, true);
      assert.ok(reply.content.length > 0);
    } finally {
      listener.dispose();
    }
  });
});
