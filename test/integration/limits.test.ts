// Honest limits in a real VS Code: the contextLength setting reaches the
// chat budget and the completion excerpt and the pickers say where each
// number came from; Ollama's loaded context is read and the same num_ctx goes
// out from chat and completion; a model that is loading is waited for; a
// llama.cpp model without FIM tokens is not offered for completion. And the
// Servers view's inline key button names its server.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ChatRoutes, mountChat, startLlamaCpp, startOllama, type FakeServer } from '../fakes';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import { chatFixture, newRecordedChat, resetChatSettings, type ChatFixture } from './chatHelpers';
import {
  closeEditors,
  completes,
  completionFixture,
  editorSettings,
  nextProvide,
  openAt,
  resetCompletion,
  type,
  warmEditor,
} from './completionFixture';
import { hearth, setUserSetting, useServer, waitFor } from './helpers';

const FUNC = 'def add(a, b):\n    |\n\nprint(add(1, 2))\n';

describe('first hour: honest limits', function () {
  this.timeout(60_000);
  let chat: ChatFixture | undefined;
  const servers: FakeServer[] = [];

  afterEach(async () => {
    await chat?.close();
    chat = undefined;
    await closeEditors();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    const api = await hearth();
    await api.choice.set('chat', undefined);
    await resetCompletion(api);
    await resetChatSettings();
  });

  it('contextLength reaches the chat budget, and the chat picker says it came from the setting', async () => {
    chat = await chatFixture({ reply: 'ok' }, { nCtx: 8192 });
    const c = chat.api.chat.controller;
    const long = (ch: string) => `${ch.repeat(60)} `.repeat(15); // ~900 characters, some 300 tokens
    await c.send(long('a'));
    await c.send(long('b'));
    assert.equal(chat.routes.last.messages.length, 4, 'with 8,192 tokens the whole history fits');
    await setUserSetting('servers', [{ name: 'Chat fake', kind: 'llamacpp', url: chat.llama.url, contextLength: 1024 }]);
    await waitFor('the setting', () => chat!.api.registry.servers().some((s) => s.contextLength === 1024));
    await chat.api.registry.refresh({ force: true });
    await c.send(long('c'));
    const sent = chat.routes.last.messages as { role: string; content: string }[];
    assert.ok(sent.length < 6, `older turns were left out for 1,024 tokens (${sent.length} messages sent)`);
    const reply = c.current.messages[c.current.messages.length - 1];
    assert.ok(
      reply.notes?.some((n) => /Left out to fit the model's context/.test(n)),
      'and the reply says so',
    );
    assert.match(c.state().models[0].detail ?? '', /1,024 tokens \(setting\)/);
  });

  it('contextLength reaches the completion excerpt; the completion picker and tooltip say where it came from', async () => {
    const f = await completionFixture({ generate: completes('return 1') });
    try {
      const lines = Array.from({ length: 300 }, (_, i) => `value_${i} = compute_something_long(${i}, "padding text")`).join('\n');
      const doc = `${lines}\n|\n`;
      await openAt(doc);
      let shown = nextProvide(f.api, (r) => r.items.length > 0);
      await type('r');
      await shown;
      const wide = String(f.infills()[f.infills().length - 1].body.input_prefix).length;
      await closeEditors();
      await setUserSetting('servers', [{ name: 'Completion fake', kind: 'llamacpp', url: f.llama.url, contextLength: 1024 }]);
      await waitFor('the engine for 1,024 tokens', () => {
        const s = f.api.completion.session.state;
        return s.kind === 'ready' && s.context.startsWith('1,024 tokens (set in hearth.servers');
      });
      await openAt(doc);
      shown = nextProvide(f.api, (r) => r.items.length > 0);
      await type('r');
      await shown;
      const narrow = String(f.infills()[f.infills().length - 1].body.input_prefix).length;
      // At most ~3 characters a token: the whole prefix must fit in 1,024 tokens.
      assert.ok(narrow < 3072 && narrow < wide * 0.6, `the prefix fits 1,024 tokens: ${narrow} characters, against ${wide} for 8,192`);
      assert.match(f.api.completion.status.tooltip(), /Context: 1,024 tokens \(set in hearth\.servers \(contextLength\)\)/);
      const picking = vscode.commands.executeCommand('hearth.selectCompletionModel');
      const item = await waitFor('the picker', () =>
        f.api.picker.current?.items.find((i) => i.description?.includes('1,024 tokens (setting)')),
      );
      assert.match(item.detail ?? '', /Context 1,024 tokens: set in hearth\.servers \(contextLength\)/);
      f.api.picker.current?.hide();
      await picking;
    } finally {
      await f.close();
    }
  });

  it("Ollama: the loaded model's context from /api/ps, sent as the same num_ctx by chat (/api/chat) and completion", async () => {
    const api = await hearth();
    const model = 'qwen2.5-coder:7b-base';
    const ollama = await startOllama({ models: [{ name: model, capabilities: ['completion', 'insert'], loadedContext: 16384 }] });
    servers.push(ollama);
    const routes = mountChat(ollama, new ChatRoutes({ reply: 'from ollama' }));
    const fim = mountFim(ollama, new FimFake({ generate: completes('return a + b'), ollamaModels: { [model]: ['completion', 'insert'] } }));
    await useServer(api, { name: 'Fake Ollama', kind: 'ollama', url: ollama.url }, 'chat', model);
    await api.choice.set('completion', { server: 'Fake Ollama', model });
    assert.equal(api.registry.findModel({ server: 'Fake Ollama', model })?.loadedContext, 16384);

    const c = api.chat.controller;
    await c.ready;
    await c.newChat();
    await c.send('hello');
    assert.equal(c.current.messages[1].content, 'from ollama');
    const chatBody = ollama.lastRequest('/api/chat')?.body as { options?: Record<string, unknown> };
    assert.equal(chatBody?.options?.num_ctx, 16384, 'chat sends the loaded context');
    assert.equal(routes.requests.filter((r) => r.path === '/v1/chat/completions').length, 0);

    await editorSettings();
    await warmEditor(api);
    await waitFor('the Ollama engine', () => api.completion.session.state.kind === 'ready');
    await openAt(FUNC);
    const shown = nextProvide(api, (r) => r.items.length > 0);
    await type('ret');
    await shown;
    const generate = fim.records.filter((r) => r.path === '/api/generate').pop();
    assert.equal((generate?.body.options as Record<string, unknown>)?.num_ctx, 16384, 'completion sends the same num_ctx');
  });

  it('waits for a model that is loading (503) and says so in the chat', async () => {
    const api = await hearth();
    const llama = await startLlamaCpp({ model: '/models/loading.gguf', loading: true });
    servers.push(llama);
    mountChat(llama, new ChatRoutes({ reply: 'loaded at last' }));
    await setUserSetting('servers', [{ name: 'Loading llama', kind: 'llamacpp', url: llama.url }]);
    await waitFor('the server', () => api.registry.servers().some((s) => s.name === 'Loading llama'));
    const [status] = await api.registry.refresh({ force: true });
    assert.equal(status.state, 'loading');
    await api.choice.set('chat', { server: 'Loading llama', model: '/models/loading.gguf' });
    const c = api.chat.controller;
    const { posts, dispose } = await newRecordedChat(api);
    try {
      const sending = c.send('are you ready?');
      await waitFor('the loading notice', () =>
        posts.some((m) => m.type === 'notice' && /Loading the model… the server is still loading it/.test(m.text)),
      );
      await new Promise((r) => setTimeout(r, 4000)); // longer than the three seconds Hearth used to give it
      assert.ok(c.busy, 'still waiting, not given up');
      llama.loading = false;
      await sending;
      const reply = c.current.messages[1];
      assert.equal(reply.content, 'loaded at last');
      assert.equal(reply.error, undefined);
      assert.ok(llama.requestsTo('/health').length >= 2, 'it polled /health meanwhile');
    } finally {
      dispose();
    }
  });

  it('a llama.cpp model without FIM tokens is not offered for completion, and its /infill 501 says why', async () => {
    const api = await hearth();
    const instruct = '/models/qwen2.5-1.5b-instruct-q8_0.gguf';
    const llama = await startLlamaCpp({ model: instruct, fim: false });
    servers.push(llama);
    await useServer(api, { name: 'Instruct llama', kind: 'llamacpp', url: llama.url }, 'completion', instruct);
    const model = api.registry.findModel({ server: 'Instruct llama', model: instruct });
    assert.deepEqual([model?.fim, model?.fimChecked], [false, true], 'the server said so (/infill 501)');
    await waitFor('no engine', () => {
      const s = api.completion.session.state;
      return s.kind === 'off' && s.reason === 'noFim';
    });
    assert.match(api.completion.status.tooltip(), /has no fill-in-the-middle tokens; load a code base model/);
    const picking = vscode.commands.executeCommand('hearth.selectCompletionModel');
    const note = await waitFor('the picker', () => api.picker.current?.items.find((i) => /no fill-in-the-middle tokens/.test(i.label)));
    assert.ok(note);
    assert.ok(!api.picker.current?.items.some((i) => i.label.endsWith(instruct)), 'not offered');
    api.picker.current?.hide();
    await picking;
    // With a template set, a request reaches /infill anyway and the 501 says why.
    const client = await api.registry.client('Instruct llama');
    await assert.rejects(client.stream('/infill', { body: { input_prefix: 'a', input_suffix: '', model: instruct } }), (err: Error) =>
      /this model has no fill-in-the-middle tokens; load a code base model/.test(err.message),
    );
  });

  it("the Servers view's inline key button works on its server", async () => {
    const api = await hearth();
    const llama = await startLlamaCpp();
    servers.push(llama);
    await setUserSetting('servers', [{ name: 'Keyed llama', kind: 'llamacpp', url: llama.url }]);
    await waitFor('the server', () => api.registry.servers().some((s) => s.name === 'Keyed llama'));
    const [status] = await api.registry.refresh({ force: true });
    await api.keys.set(status.server, 'secret-key');
    // The tree passes its node, not a name (package.json: view/item/context, inline).
    await vscode.commands.executeCommand('hearth.removeApiKey', { type: 'server', status });
    assert.equal(await api.keys.get(status.server), undefined, 'the key of the node’s server was removed');
  });
});
