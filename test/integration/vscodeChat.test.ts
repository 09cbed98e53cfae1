// Hearth's models in VS Code's own chat (`vscode.lm`, VS Code 1.104 and
// later; skipped with the reason on older ones), against fake servers: the
// models come and go with their servers, keys reach only their own server,
// errors carry Hearth's messages, and the setting turns the provider off.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ChatRoutes, mountChat, startLlamaCpp, type FakeLlamaCpp } from '../fakes';
import { resetChatSettings } from './chatHelpers';
import { hearth, requiresApi, setUserSetting, waitFor } from './helpers';
import { hearthModel, noHearthModel } from './lmHelpers';

const MODEL = '/models/fake-chat-q8_0.gguf';

/** Sends `prompt` and reads the whole reply: its text parts, and the error that ended it if any. */
async function ask(
  model: vscode.LanguageModelChat,
  prompt: string,
  token?: vscode.CancellationToken,
): Promise<{ text: string; error?: Error }> {
  let text = '';
  try {
    const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(prompt)], {}, token);
    for await (const part of response.stream) if (part instanceof vscode.LanguageModelTextPart) text += part.value;
    return { text };
  } catch (error) {
    return { text, error: error as Error };
  }
}

describe('VS Code chat: Hearth models from fake servers', function () {
  this.timeout(60_000);
  const fakes: FakeLlamaCpp[] = [];

  before(function () {
    requiresApi(this, 'lm.registerLanguageModelChatProvider');
  });

  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    await resetChatSettings();
    await setUserSetting('languageModels.enable', undefined);
  });

  async function fake(options: { port?: number; reply?: string } = {}): Promise<{ llama: FakeLlamaCpp; routes: ChatRoutes }> {
    const llama = await startLlamaCpp({ model: MODEL, nCtx: 4096, port: options.port });
    fakes.push(llama);
    return { llama, routes: mountChat(llama, new ChatRoutes({ flavor: 'llamacpp', reply: options.reply ?? 'Hello from the fake.' })) };
  }

  async function configure(servers: { name: string; url: string }[]): Promise<void> {
    const api = await hearth();
    await setUserSetting(
      'servers',
      servers.map((s) => ({ ...s, kind: 'llamacpp' })),
    );
    await waitFor('the servers', () => servers.every((s) => api.registry.servers().some((c) => c.name === s.name && c.url === s.url)));
    await api.registry.refresh({ force: true });
  }

  it('offers the model with its context, streams its reply, and counts tokens (estimated without /tokenize)', async () => {
    const { llama, routes } = await fake();
    await setUserSetting('chat.maxTokens', 1024);
    await configure([{ name: 'Fake one', url: llama.url }]);
    const model = await hearthModel('Fake one');
    assert.equal(model.vendor, 'hearth');
    assert.equal(model.maxInputTokens, 4096 - 1024, 'the context less what is kept for the reply');
    const { text, error } = await ask(model, 'Hi');
    assert.equal(error, undefined, error?.message);
    assert.equal(text, 'Hello from the fake.');
    const body = routes.requests.at(-1)?.body;
    assert.equal(body.stream, true, 'streamed, so that a stop frees the slot');
    assert.equal(body.max_tokens, 1024);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Hi' }]);
    assert.ok((await model.countTokens('const x = 1;')) > 0);
  });

  it("a stopped server's model disappears, and comes back with the server", async () => {
    const api = await hearth();
    const first = await fake();
    const port = first.llama.port;
    await configure([{ name: 'Comes and goes', url: first.llama.url }]);
    await hearthModel('Comes and goes');
    await first.llama.close();
    await api.registry.refresh({ force: true });
    await noHearthModel('Comes and goes');
    const again = await fake({ port });
    assert.equal(again.llama.port, port);
    await api.registry.refresh({ force: true });
    const model = await hearthModel('Comes and goes');
    const { error } = await ask(model, 'Back?');
    assert.equal(error, undefined, error?.message);
  });

  it('sends each key only to its own server', async () => {
    const api = await hearth();
    const a = await fake({ reply: 'from A' });
    const b = await fake({ reply: 'from B' });
    a.llama.requireApiKey('key-of-a');
    b.llama.requireApiKey('key-of-b');
    await configure([
      { name: 'Keyed A', url: a.llama.url },
      { name: 'Keyed B', url: b.llama.url },
    ]);
    const [serverA, serverB] = ['Keyed A', 'Keyed B'].map((n) => api.registry.servers().find((s) => s.name === n)!);
    await api.keys.set(serverA, 'key-of-a');
    await api.keys.set(serverB, 'key-of-b');
    await api.registry.refresh({ force: true });
    const modelA = await hearthModel('Keyed A');
    const modelB = await hearthModel('Keyed B');
    assert.equal((await ask(modelA, 'A?')).text, 'from A');
    assert.equal((await ask(modelB, 'B?')).text, 'from B');
    const auth = (llama: FakeLlamaCpp) => new Set(llama.requests.map((r) => r.headers.authorization).filter(Boolean));
    assert.deepEqual([...auth(a.llama)], ['Bearer key-of-a']);
    assert.deepEqual([...auth(b.llama)], ['Bearer key-of-b']);
    assert.ok(a.routes.requests.length === 1 && b.routes.requests.length === 1);
  });

  it("fails with Hearth's own message as a LanguageModelError", async () => {
    const { llama, routes } = await fake();
    await configure([{ name: 'Too small', url: llama.url }]);
    routes.script = { flavor: 'llamacpp', fault: 'contextExceeded', nCtx: 4096 };
    const model = await hearthModel('Too small');
    const { error } = await ask(model, 'Hi');
    assert.ok(error instanceof vscode.LanguageModelError, `a LanguageModelError, not ${String(error)}`);
    assert.match(error.message, /context/i);
    assert.equal(error.code, 'contextExceeded');
  });

  it('hearth.languageModels.enable off takes the models away; on brings them back', async () => {
    const api = await hearth();
    const { llama } = await fake();
    await configure([{ name: 'Switchable', url: llama.url }]);
    await hearthModel('Switchable');
    await setUserSetting('languageModels.enable', false);
    await waitFor('the provider to go', () => !api.lm.registered());
    await noHearthModel('Switchable');
    await setUserSetting('languageModels.enable', true);
    await hearthModel('Switchable');
  });

  it('opens VS Code\'s model management from "Hearth: Manage Models in VS Code\'s Chat"', async () => {
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    await vscode.commands.executeCommand('hearth.manageLanguageModels');
    const opened = await waitFor('the model management editor', () => tabs().find((label) => /model/i.test(label)), 10_000);
    console.log(`    opened "${opened}"`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
