// Hearth's models in VS Code's own chat against a real llama.cpp
// llama-server (skipped with the reason on a VS Code without the provider
// API, or without HEARTH_TEST_LLAMA_SERVER / HEARTH_TEST_LLAMA_MODEL): the
// model listed with the server's real context, exact token counts, a
// streamed reply, and a cancelled reply freeing the slot at once.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startLlamaOrSkip, type LlamaServer } from '../harness/llamaServer';
import { resetChatSettings } from './chatHelpers';
import { hearth, requiresApi, setUserSetting, useServer, waitFor } from './helpers';
import { hearthModel } from './lmHelpers';

const SERVER = 'Real llama.cpp for VS Code';

interface Slot {
  id: number;
  is_processing: boolean;
}

async function getJson<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as T;
}

describe('VS Code chat: a real llama-server', function () {
  this.timeout(90_000);
  let server: LlamaServer | undefined;
  let model: vscode.LanguageModelChat | undefined;

  before(async function () {
    requiresApi(this, 'lm.registerLanguageModelChatProvider');
    // One slot: a reply that ran on after the cancel would hold the only slot.
    server = await startLlamaOrSkip(this, { ctx: 4096, parallel: 1 });
    await setUserSetting('chat.maxTokens', 1024);
    await useServer(await hearth(), { name: SERVER, kind: 'llamacpp', url: server.url }, 'chat', server.modelId);
    model = await hearthModel(SERVER);
  });

  after(async () => {
    await server?.stop();
    await resetChatSettings();
  });

  it("lists the model with the server's context per slot, less what is kept for the reply", async () => {
    const props = await getJson<{ default_generation_settings: { n_ctx: number } }>(`${server!.url}/props`);
    assert.equal(model!.maxInputTokens, props.default_generation_settings.n_ctx - 1024);
    assert.equal(model!.id, `${encodeURIComponent(SERVER)}/${server!.modelId}`);
  });

  it("counts tokens with the server's own tokenizer: text as it is, a message as its template renders it", async () => {
    const text = 'function add(a, b) { return a + b; }';
    const tokenized = await getJson<{ tokens: number[] }>(`${server!.url}/tokenize`, { content: text, parse_special: false });
    assert.equal(await model!.countTokens(text), tokenized.tokens.length);
    const rendered = await getJson<{ prompt: string }>(`${server!.url}/apply-template`, {
      messages: [{ role: 'user', content: text }],
      add_generation_prompt: false,
    });
    const whole = await getJson<{ tokens: number[] }>(`${server!.url}/tokenize`, { content: rendered.prompt });
    assert.ok(whole.tokens.length > tokenized.tokens.length, 'the template adds its markers');
    assert.equal(await model!.countTokens(vscode.LanguageModelChatMessage.User(text)), whole.tokens.length);
  });

  it('streams a reply', async () => {
    const response = await model!.sendRequest([vscode.LanguageModelChatMessage.User('Say something.')], {
      modelOptions: { max_tokens: 24 },
    });
    const parts: string[] = [];
    for await (const part of response.stream) if (part instanceof vscode.LanguageModelTextPart) parts.push(part.value);
    assert.ok(parts.join('').length > 0, 'text arrived');
    const slots = await getJson<Slot[]>(`${server!.url}/slots`);
    assert.ok(!slots.some((s) => s.is_processing), 'the slot is free once the reply is complete');
  });

  it('a cancelled request frees the slot (GET /slots)', async () => {
    const cancel = new vscode.CancellationTokenSource();
    const response = await model!.sendRequest(
      [vscode.LanguageModelChatMessage.User('Write a very long story.')],
      { modelOptions: { max_tokens: 3000 } },
      cancel.token,
    );
    let parts = 0;
    const reading = (async () => {
      try {
        for await (const part of response.stream) if (part instanceof vscode.LanguageModelTextPart) parts++;
      } catch {
        // a cancelled stream may end with a cancellation error
      }
    })();
    await waitFor('the reply to stream', () => parts >= 3, 30_000);
    const busy = await getJson<Slot[]>(`${server!.url}/slots`);
    assert.ok(
      busy.some((s) => s.is_processing),
      'the slot is busy while streaming',
    );
    const cancelled = Date.now();
    cancel.cancel();
    let slots: Slot[] = [];
    for (let i = 0; i < 40; i++) {
      slots = await getJson<Slot[]>(`${server!.url}/slots`);
      if (!slots.some((s) => s.is_processing)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const freedAfter = Date.now() - cancelled;
    assert.ok(
      !slots.some((s) => s.is_processing),
      `a slot is still processing ${freedAfter} ms after the cancel: ${JSON.stringify(slots)}`,
    );
    console.log(`    slot free ${freedAfter} ms after the cancel`);
    await reading;
    cancel.dispose();
  });
});
