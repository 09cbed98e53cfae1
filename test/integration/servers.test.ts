// The foundation in a real VS Code: auto-detection, the model quick pick
// (against fakes and the real llama-server), error messages for a stopped
// server, user-only server settings, and every declared command registered.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type FakeLlamaCpp, type FakeOllama, startLlamaCpp, startOllama } from '../fakes';
import { startLlamaOrSkip } from '../harness/llamaServer';
import { formatContext } from '../../src/core/servers/modelList';
import { hearth, setUserSetting, waitFor } from './helpers';

/** Opens a model quick pick, waits for `modelId`, accepts it, returns what the command resolved with. */
async function pickThroughQuickPick(command: string, modelId: string, expectDescription?: RegExp) {
  const api = await hearth();
  const result = vscode.commands.executeCommand(command);
  const qp = await waitFor('the quick pick', () => api.picker.current);
  const item = await waitFor(`${modelId} in the quick pick`, () => qp.items.find((i) => i.label.replace(/^\$\(check\) /, '') === modelId));
  if (expectDescription) assert.match(item.description ?? '', expectDescription);
  const separators = qp.items.filter((i) => i.kind === vscode.QuickPickItemKind.Separator);
  assert.ok(separators.length >= 1, 'models are grouped under a separator per server');
  qp.activeItems = [item];
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  return result;
}

describe('servers and model switching', function () {
  this.timeout(60_000);

  afterEach(async () => {
    await setUserSetting('servers', undefined);
    await setUserSetting('autoDetect', undefined);
  });

  it('declares no command without a handler', async () => {
    await hearth();
    const pkg = vscode.extensions.getExtension('hearth.hearth')!.packageJSON as {
      contributes: { commands: { command: string; category?: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.filter((c) => !registered.has(c.command)).map((c) => c.command);
    assert.deepEqual(missing, [], `declared in package.json but not registered: ${missing.join(', ')}`);
    const uncategorised = pkg.contributes.commands.filter((c) => c.category !== 'Hearth').map((c) => c.command);
    assert.deepEqual(uncategorised, []);
  });

  it('ignores a workspace-level hearth.servers', async () => {
    const api = await hearth();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const settings = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, '.vscode', 'settings.json'));
    assert.match(Buffer.from(settings).toString('utf8'), /"hearth\.servers"[\s\S]*"evil"/, 'the fixture sets a workspace server');
    const seen = vscode.workspace.getConfiguration('hearth').get<{ name: string }[]>('servers') ?? [];
    assert.ok(!seen.some((s) => s.name === 'evil'), 'VS Code applied an application-scoped setting from the workspace');
    await api.registry.refresh({ force: true });
    const names = api.registry.servers().map((s) => s.name);
    assert.ok(!names.includes('evil'), `the workspace's server was used: ${names.join(', ')}`);
    const urls = api.registry.servers().map((s) => s.url);
    assert.ok(!urls.some((u) => u.includes(':9')), 'no request target comes from the workspace settings');
  });

  it('auto-detects servers on their default localhost ports', async () => {
    let llama: FakeLlamaCpp | undefined;
    let ollama: FakeOllama | undefined;
    try {
      llama = await startLlamaCpp({ port: 8080, nCtx: 8192 });
      ollama = await startOllama({ port: 11434 });
    } catch (err) {
      await llama?.close();
      throw new Error(`ports 8080 and 11434 must be free for this test: ${String(err)}`);
    }
    try {
      const api = await hearth();
      await setUserSetting('servers', []);
      await setUserSetting('autoDetect', true);
      const statuses = await api.registry.refresh({ force: true });
      const byKind = new Map(statuses.map((s) => [s.server.kind, s]));
      assert.equal(byKind.get('llamacpp')?.state, 'ok');
      assert.equal(byKind.get('llamacpp')?.server.url, 'http://127.0.0.1:8080');
      assert.equal(byKind.get('llamacpp')?.server.detected, true);
      assert.equal(byKind.get('llamacpp')?.models[0]?.contextLength, 8192);
      assert.equal(byKind.get('ollama')?.state, 'ok');
      assert.ok((byKind.get('ollama')?.models.length ?? 0) > 0);
      assert.ok(!byKind.has('lmstudio') && !byKind.has('vllm'), 'servers that do not run are not listed');
      assert.match(api.statusBar.item.text, /Hearth/);
      // Detection must not pick up the workspace's server either.
      assert.ok(!statuses.some((s) => s.server.name === 'evil'));
    } finally {
      await llama.close();
      await ollama.close();
    }
  });

  it('picks a model from the quick pick and remembers it', async () => {
    const llama = await startLlamaCpp({ model: 'qwen2.5-coder-1.5b-q8_0.gguf', nCtx: 4096 });
    try {
      const api = await hearth();
      await setUserSetting('servers', [{ name: 'Fake llama', kind: 'llamacpp', url: llama.url }]);
      await waitFor('the new server', () => api.registry.servers().some((s) => s.name === 'Fake llama'));
      const ref = await pickThroughQuickPick(
        'hearth.selectCompletionModel',
        'qwen2.5-coder-1.5b-q8_0.gguf',
        /4,096 tokens \(per slot\) · FIM/,
      );
      assert.deepEqual(ref, { server: 'Fake llama', model: 'qwen2.5-coder-1.5b-q8_0.gguf' });
      assert.deepEqual(api.choice.get('completion'), ref);
      await waitFor('the status bar to show the model', () => api.statusBar.item.text.includes('qwen2.5-coder-1.5b-q8_0.gguf'));
    } finally {
      await llama.close();
    }
  });

  it('says a stopped server is not running, in the registry and in the quick pick', async () => {
    const llama = await startLlamaCpp();
    const url = llama.url;
    const api = await hearth();
    await setUserSetting('servers', [{ name: 'Stopped llama', kind: 'llamacpp', url }]);
    await waitFor('the server', () => api.registry.servers().some((s) => s.name === 'Stopped llama'));
    let statuses = await api.registry.refresh({ force: true });
    assert.equal(statuses.find((s) => s.server.name === 'Stopped llama')?.state, 'ok');
    await llama.close();
    statuses = await api.registry.refresh({ force: true });
    const status = statuses.find((s) => s.server.name === 'Stopped llama');
    assert.equal(status?.state, 'error');
    assert.equal(status?.error?.code, 'refused');
    const expected = `llama.cpp at ${url} is not running`;
    assert.ok(status?.error?.message.startsWith(expected), status?.error?.message);
    assert.ok(status?.error?.actions.includes('retry'));

    void vscode.commands.executeCommand('hearth.selectChatModel');
    const qp = await waitFor('the quick pick', () => api.picker.current);
    const problem = await waitFor('the error item', () => qp.items.find((i) => i.detail?.startsWith(expected)));
    assert.match(problem.label, /Not available/);
    qp.hide();
  });

  it('lists the real llama-server model with its context length', async function () {
    const server = await startLlamaOrSkip(this, { ctx: 4096, parallel: 2 });
    try {
      const props = (await (await fetch(`${server.url}/props`)).json()) as { default_generation_settings: { n_ctx: number } };
      const { modelId } = server;
      const api = await hearth();
      await setUserSetting('servers', [{ name: 'Real llama.cpp', kind: 'llamacpp', url: server.url }]);
      await waitFor('the server', () => api.registry.servers().some((s) => s.name === 'Real llama.cpp'));
      const ctx = formatContext(props.default_generation_settings.n_ctx)!;
      const ref = await pickThroughQuickPick('hearth.selectChatModel', modelId, new RegExp(ctx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.deepEqual(ref, { server: 'Real llama.cpp', model: modelId });
      assert.deepEqual(api.choice.get('chat'), ref);
    } finally {
      await server.stop();
    }
  });
});

describe('after a reload of the window', () => {
  it('keeps the selected completion model @after-reload', async () => {
    const api = await hearth();
    // Chosen through the quick pick in the first load of this window (its server has stopped since).
    const picked = { server: 'Fake llama', model: 'qwen2.5-coder-1.5b-q8_0.gguf' };
    assert.deepEqual(api.choice.get('completion'), picked);
    await waitFor('completion to take it up', () => {
      const ref = api.completion.session.state.ref;
      return ref?.server === picked.server && ref.model === picked.model;
    });
  });
});

describe('server settings and keys', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await setUserSetting('servers', undefined);
  });

  it('reports an invalid entry and keeps the valid ones', async () => {
    const llama = await startLlamaCpp();
    try {
      const api = await hearth();
      await setUserSetting('servers', [
        { name: 'Broken', kind: 'llama', url: 'http://127.0.0.1:1' },
        { name: 'Good', kind: 'llamacpp', url: llama.url },
      ]);
      await waitFor('the valid server', () => api.registry.servers().some((s) => s.name === 'Good'));
      assert.deepEqual(
        api.registry.servers().map((s) => s.name),
        ['Good'],
      );
      const problems = api.configProblems();
      assert.equal(problems.length, 1);
      assert.match(problems[0], /Broken/);
      assert.match(problems[0], /kind/);
      const statuses = await api.registry.refresh({ force: true });
      assert.equal(statuses[0].state, 'ok');
    } finally {
      await llama.close();
    }
  });

  it('sends a key from secret storage only to its own server', async () => {
    const guarded = await startLlamaCpp({ apiKey: 'sk-team-secret' });
    const open = await startLlamaCpp();
    const api = await hearth();
    try {
      await setUserSetting('servers', [
        { name: 'Guarded', kind: 'llamacpp', url: guarded.url },
        { name: 'Open', kind: 'llamacpp', url: open.url },
      ]);
      await waitFor('both servers', () => api.registry.servers().length === 2);
      let statuses = await api.registry.refresh({ force: true });
      const denied = statuses.find((s) => s.server.name === 'Guarded');
      assert.equal(denied?.state, 'error');
      assert.equal(denied?.error?.code, 'unauthorized');
      assert.ok(denied?.error?.actions.includes('setApiKey'));

      await api.keys.set(api.registry.servers()[0], 'sk-team-secret');
      statuses = await waitFor('the key to be used', async () => {
        const now = await api.registry.refresh({ force: true });
        return now.find((s) => s.server.name === 'Guarded')?.state === 'ok' && now;
      });
      assert.equal(statuses.find((s) => s.server.name === 'Open')?.state, 'ok');
      assert.ok(guarded.requests.some((r) => r.headers.authorization === 'Bearer sk-team-secret'));
      assert.ok(open.requests.length > 0);
      assert.ok(
        open.requests.every((r) => r.headers.authorization === undefined),
        'a server without a key got an Authorization header',
      );
    } finally {
      await api.keys.remove(
        api.registry.servers().find((s) => s.name === 'Guarded') ?? { name: 'Guarded', kind: 'llamacpp', url: guarded.url },
      );
      await guarded.close();
      await open.close();
    }
  });

  it('sends header values from secret storage only to their server, winning over settings', async () => {
    const api = await hearth();
    const proxy = await startLlamaCpp();
    const open = await startLlamaCpp();
    try {
      await setUserSetting('servers', [
        { name: 'Proxy', kind: 'llamacpp', url: proxy.url, headers: { 'X-Api-Key': 'plain-in-settings', 'X-Team': 'infra' } },
        { name: 'Open', kind: 'llamacpp', url: open.url },
      ]);
      await waitFor('both servers', () => api.registry.servers().length === 2);
      const server = api.registry.servers().find((s) => s.name === 'Proxy')!;
      await api.keys.setHeader(server, 'X-Api-Key', 'kept-in-the-keychain');
      await api.keys.setHeader(server, 'CF-Access-Client-Secret', 'cf-secret-value');
      assert.deepEqual(api.keys.headerNames(server), ['x-api-key', 'cf-access-client-secret']);
      await waitFor('the header secrets to be used', async () => {
        await api.registry.refresh({ force: true });
        return proxy.lastRequest('/v1/models')?.headers['cf-access-client-secret'] === 'cf-secret-value';
      });
      const sent = proxy.lastRequest('/v1/models')!.headers;
      assert.equal(sent['x-api-key'], 'kept-in-the-keychain', 'the secret wins over the setting');
      assert.equal(sent['x-team'], 'infra');
      assert.ok(
        open.requests.every((r) => r.headers['x-api-key'] === undefined && r.headers['cf-access-client-secret'] === undefined),
        'another server gets none of them',
      );
      await api.keys.removeHeader(server, 'cf-access-client-secret');
      await waitFor('the removed secret to be gone', async () => {
        await api.registry.refresh({ force: true });
        return proxy.lastRequest('/v1/models')?.headers['cf-access-client-secret'] === undefined;
      });
      assert.deepEqual(api.keys.headerNames(server), ['x-api-key']);
    } finally {
      const server = api.registry.servers().find((s) => s.name === 'Proxy');
      if (server) for (const name of api.keys.headerNames(server)) await api.keys.removeHeader(server, name);
      await proxy.close();
      await open.close();
    }
  });
});
