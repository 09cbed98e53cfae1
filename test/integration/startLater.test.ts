// The first hour, in a real VS Code: a model server started after VS Code (or
// restarted) is found without any command — when the window gets focus,
// while the user types where completion is on (with a growing wait), on
// Retry in the chat — and ghost text follows with no settings at all, from
// the only model that can fill in the middle. A detected server that is not
// running says so, with Retry; a configured one that was down recovers.
// The fake listens on 9931, the port llama.cpp announced as its new default.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HearthApi } from '../../src/extension';
import type { ModelRef } from '../../src/core/servers/types';
import { ChatRoutes, freePort, mountChat, startLlamaCpp, type FakeLlamaCpp } from '../fakes';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import {
  closeEditors,
  completes,
  editorSettings,
  nextProvide,
  openAt,
  resetCompletion,
  sleep,
  type,
  warmEditor,
} from './completionFixture';
import { newRecordedChat } from './chatHelpers';
import { hearth, setUserSetting, waitFor } from './helpers';

const PORT = 9931;
const PRESET = `llama.cpp (127.0.0.1:${PORT})`;
const MODEL = '/models/qwen2.5-coder-1.5b-q8_0.gguf';
const FUNC = 'def add(a, b):\n    |\n\nprint(add(1, 2))\n';

describe('first hour: servers that start after VS Code', function () {
  this.timeout(60_000);
  let llama: FakeLlamaCpp | undefined;
  let api: HearthApi;

  /** No settings at all, and nothing answering on the ports Hearth probes. */
  async function nothingRunning(): Promise<void> {
    api = await hearth();
    await setUserSetting('servers', undefined);
    await setUserSetting('autoDetect', undefined);
    await api.choice.set('completion', undefined);
    await api.choice.set('chat', undefined);
    const found = await api.registry.refresh({ force: true });
    if (found.length) throw new Error(`this test needs the default ports free, but found: ${found.map((s) => s.server.name).join(', ')}`);
  }

  /** llama-server with a code model on 9931, serving chat and /infill. */
  async function startServer(): Promise<FakeLlamaCpp> {
    llama = await startLlamaCpp({ port: PORT, model: MODEL, nCtx: 8192, slots: 1 });
    mountChat(llama, new ChatRoutes({ reply: 'found you' }));
    mountFim(llama, new FimFake({ promptMsPerToken: 0.01, genMsPerToken: 0.5, nCtx: 8192, generate: completes('return a + b') }));
    return llama;
  }

  const found = () => api.registry.statuses().some((s) => s.server.name === PRESET && s.state === 'ok');

  // The models chosen before these tests come back after them (the @after-reload test checks one).
  let chosen: { chat?: ModelRef; completion?: ModelRef } = {};
  before(async () => {
    const a = await hearth();
    chosen = { chat: a.choice.get('chat'), completion: a.choice.get('completion') };
  });
  after(async () => {
    const a = await hearth();
    await a.choice.set('chat', chosen.chat);
    await a.choice.set('completion', chosen.completion);
  });

  afterEach(async () => {
    await closeEditors();
    await llama?.close();
    llama = undefined;
    await api?.choice.set('chat', undefined);
    await api?.choice.set('completion', undefined);
    await resetCompletion(api);
    await api?.registry.refresh({ force: true });
  });

  it('is found when the window gets focus, and ghost text follows from the only FIM model with nothing set', async () => {
    await nothingRunning();
    assert.match(api.statusBar.item.text, /Hearth: off$/, 'no server: "off", not a warning');
    assert.doesNotMatch(api.statusBar.item.text, /\$\(warning\)/);
    await startServer();
    // The window gaining focus runs the same handler; quick focus changes look only once, so poll.
    await waitFor(
      'the server to be found on focus',
      async () => {
        await api.watch.focused();
        return found();
      },
      20_000,
    );
    assert.ok(api.watch.rediscovery.counts.focus >= 1);
    await waitFor('the automatic completion model', () => {
      const s = api.completion.session.state;
      return s.kind === 'ready' && s.automatic && s.ref.server === PRESET;
    });
    assert.match(api.statusBar.item.text, /\(auto\)/, 'the status bar says the model was chosen automatically');
    assert.match(api.completion.status.tooltip(), /the only model that can fill in the middle/);
    await editorSettings();
    await warmEditor(api);
    await openAt(FUNC);
    // The whole answer (on a loaded machine its first words may be shown first, then the rest).
    const shown = nextProvide(api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
    await type('ret');
    assert.deepEqual((await shown).items, ['urn a + b']);
    assert.equal(api.choice.get('completion'), undefined, 'nothing was set for the user');
  });

  it('is found while the user types where completion is on, with a growing wait', async () => {
    await nothingRunning();
    await editorSettings();
    await warmEditor(api);
    await startServer();
    const before = api.watch.rediscovery.counts.backoff;
    assert.ok(vscode.window.state.focused, 'the test window has focus (typing counts as use only then)');
    await openAt(FUNC);
    // Each keystroke reaches the provider (no engine yet), which tells the watch the user is typing.
    const deadline = Date.now() + 20_000;
    while (!found() && Date.now() < deadline) {
      await type('x');
      await sleep(400);
    }
    assert.ok(found(), 'found without focus or a command');
    assert.ok(api.watch.rediscovery.counts.backoff > before, 'by the backoff');
    await waitFor('the automatic engine', () => api.completion.session.state.kind === 'ready');
  });

  it('Retry in the chat finds a server started since; a detected server that stopped says "not running" with Retry', async () => {
    await nothingRunning();
    const c = api.chat.controller;
    const { posts, dispose } = await newRecordedChat(api);
    try {
      await c.send('anyone there?');
      let error = posts.filter((m) => m.type === 'error').pop();
      assert.ok(error?.type === 'error');
      assert.match(error.message, /No chat model: no model server answered .*9931.*Start one and press Retry/);
      assert.ok(error.actions.some((a) => a.id === 'retry'));

      await startServer();
      const failed = c.current.messages[1];
      await c.handle({ type: 'action', id: 'retry', messageId: failed.id });
      assert.equal(c.current.messages[1].content, 'found you');
      assert.deepEqual(api.choice.get('chat'), { server: PRESET, model: MODEL }, 'the model found is remembered');

      // The server stops; the chat's model is on a detected server that is not running now.
      await llama!.close();
      llama = undefined;
      await api.registry.refresh({ force: true });
      assert.ok(!found());
      posts.length = 0;
      await c.send('still there?');
      error = posts.filter((m) => m.type === 'error').pop();
      assert.ok(error?.type === 'error');
      assert.equal(error.message, `llama.cpp at http://127.0.0.1:${PORT} is not running (connection refused).`);
      assert.ok(error.actions.some((a) => a.id === 'retry'));

      await startServer();
      const again = c.current.messages[c.current.messages.length - 1];
      await c.handle({ type: 'action', id: 'retry', messageId: again.id });
      assert.equal(c.current.messages[c.current.messages.length - 1].content, 'found you');
      assert.ok(found(), 'Retry looked for it again');
    } finally {
      dispose();
    }
  });

  it('a configured server that was down recovers when the window gets focus', async () => {
    api = await hearth();
    const port = await freePort();
    await setUserSetting('servers', [{ name: 'Started later', kind: 'llamacpp', url: `http://127.0.0.1:${port}` }]);
    await waitFor('the server in the registry', () => api.registry.servers().some((s) => s.name === 'Started later'));
    const [down] = await api.registry.refresh({ force: true });
    assert.equal(down.state, 'error');
    assert.equal(down.error?.code, 'refused');
    assert.ok(api.watch.wanted(), 'a server that is down is looked for again');
    llama = await startLlamaCpp({ port, model: MODEL });
    await waitFor(
      'the server to recover on focus',
      async () => {
        await api.watch.focused();
        return api.registry.status('Started later')?.state === 'ok';
      },
      20_000,
    );
    assert.equal(api.watch.wanted(), false, 'nothing is missing any more');
  });
});
