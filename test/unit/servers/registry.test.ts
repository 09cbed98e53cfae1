import assert from 'node:assert/strict';
import { Registry } from '../../../src/core/servers/registry';
import { presetServers } from '../../../src/core/servers/kinds';
import { type HearthError } from '../../../src/core/errors';
import type { ServerConfig } from '../../../src/core/types';
import type { ServerStatus } from '../../../src/core/servers/types';
import { FakeLlamaCpp, FakeOllama, type FakeServer, freePort } from '../../fakes';
import { configFor, memoryLogger } from '../core/helpers';

describe('Registry', () => {
  const fakes: FakeServer[] = [];
  const registries: Registry[] = [];
  const start = async <T extends FakeServer>(fake: T): Promise<T> => {
    fakes.push(fake);
    return fake.start();
  };
  const make = (extra: Partial<ConstructorParameters<typeof Registry>[0]> = {}) => {
    const registry = new Registry({ log: memoryLogger(), getApiKey: async () => undefined, presets: [], ...extra });
    registries.push(registry);
    return registry;
  };
  afterEach(async () => {
    registries.splice(0).forEach((r) => r.dispose());
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('does no network in the constructor or configure', async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      calls++;
      return globalThis.fetch(input, init);
    };
    const registry = make({ fetch, presets: presetServers() });
    registry.configure({ servers: [configFor('http://127.0.0.1:1', 'llamacpp')], autoDetect: true });
    assert.equal(calls, 0);
    assert.deepEqual(
      registry.statuses().map((s) => s.state),
      ['unknown'],
    );
    assert.equal(registry.isRefreshing(), false);
  });

  it('discovers every configured server in parallel and caches the statuses', async () => {
    const llama = await start(new FakeLlamaCpp());
    const ollama = await start(new FakeOllama());
    const port = await freePort();
    const registry = make();
    const servers: ServerConfig[] = [
      { name: 'Llama', kind: 'llamacpp', url: llama.url },
      { name: 'Ollama', kind: 'ollama', url: ollama.url },
      { name: 'Down', kind: 'vllm', url: `http://127.0.0.1:${port}` },
    ];
    registry.configure({ servers, autoDetect: true });
    const events: ServerStatus[][] = [];
    registry.onDidChange((s) => events.push([...s]));
    const statuses = await registry.refresh();
    assert.deepEqual(
      statuses.map((s) => [s.server.name, s.state]),
      [
        ['Llama', 'ok'],
        ['Ollama', 'ok'],
        ['Down', 'error'],
      ],
    );
    assert.equal(registry.status('Down')?.error?.code, 'refused');
    assert.deepEqual(
      events[0].map((s) => s.state),
      ['checking', 'checking', 'checking'],
    );
    assert.ok(events.length >= 4);
    assert.equal(registry.findModel({ server: 'Ollama', model: 'llama3.2:3b' })?.contextLength, 131072);
    assert.equal(registry.findModel({ server: 'Ollama', model: 'nope' }), undefined);
    const before = llama.requests.length;
    await registry.refresh();
    assert.equal(llama.requests.length, before, 'a fresh cache answers a second refresh');
    await registry.refresh({ force: true });
    assert.ok(llama.requests.length > before, 'force re-discovers');
  });

  it('shares one run between concurrent refreshes', async () => {
    const llama = await start(new FakeLlamaCpp());
    llama.fault('*', '*', { delayMs: 30 });
    const registry = make();
    registry.configure({ servers: [{ name: 'L', kind: 'llamacpp', url: llama.url }], autoDetect: false });
    const [a, b, c] = await Promise.all([registry.refresh(), registry.refresh(), registry.refresh()]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(llama.requestsTo('/v1/models').length, 1);
    assert.equal(registry.isRefreshing(), false);
  });

  it('configuring again invalidates a run in flight', async () => {
    const slow = await start(new FakeLlamaCpp());
    slow.fault('*', '*', { delayMs: 150 });
    const fast = await start(new FakeOllama());
    const registry = make();
    registry.configure({ servers: [{ name: 'Slow', kind: 'llamacpp', url: slow.url }], autoDetect: false });
    const first = registry.refresh();
    await new Promise((r) => setTimeout(r, 20));
    registry.configure({ servers: [{ name: 'Fast', kind: 'ollama', url: fast.url }], autoDetect: false });
    assert.deepEqual(
      registry.statuses().map((s) => [s.server.name, s.state]),
      [['Fast', 'unknown']],
    );
    const statuses = await first;
    assert.deepEqual(
      statuses.map((s) => [s.server.name, s.state]),
      [['Fast', 'ok']],
      'the old caller gets the new configuration',
    );
    assert.equal(registry.status('Slow'), undefined);
  });

  it('keeps statuses when the same configuration is applied again', async () => {
    const llama = await start(new FakeLlamaCpp());
    const registry = make();
    const servers = [{ name: 'L', kind: 'llamacpp' as const, url: llama.url }];
    registry.configure({ servers, autoDetect: true });
    await registry.refresh();
    registry.configure({ servers: [{ ...servers[0] }], autoDetect: true });
    assert.equal(registry.status('L')?.state, 'ok');
  });

  it('auto-detects when nothing is configured, and not when autoDetect is off', async () => {
    const llama = await start(new FakeLlamaCpp());
    const closed = await freePort();
    const presets = presetServers({ llamacpp: llama.port, ollama: closed, lmstudio: 0, vllm: 0 });
    const registry = make({ presets, detectTimeoutMs: 300 });
    registry.configure({ servers: [], autoDetect: true });
    const statuses = await registry.refresh();
    assert.deepEqual(
      statuses.map((s) => [s.server.name, s.state, s.server.detected]),
      [[`llama.cpp (127.0.0.1:${llama.port})`, 'ok', true]],
    );
    assert.deepEqual(
      registry.servers().map((s) => s.kind),
      ['llamacpp'],
    );
    registry.configure({ servers: [], autoDetect: false });
    assert.deepEqual(await registry.refresh(), []);
    assert.deepEqual(registry.servers(), []);
  });

  it('gives clients the server key, and throws for an unknown server', async () => {
    const llama = await start(new FakeLlamaCpp({ apiKey: 'k-1' }));
    const asked: string[] = [];
    const registry = make({
      getApiKey: async (s) => {
        asked.push(s.name);
        return s.name === 'L' ? 'k-1' : undefined;
      },
    });
    registry.configure({ servers: [{ name: 'L', kind: 'llamacpp', url: llama.url }], autoDetect: false });
    const statuses = await registry.refresh();
    assert.equal(statuses[0].state, 'ok');
    const client = await registry.client('L');
    assert.equal(client.hasKey, true);
    assert.deepEqual(asked, ['L', 'L']);
    await assert.rejects(registry.client('Gone'), (e: HearthError) => e.code === 'notFound' && e.actions.includes('selectModel'));
  });

  it('gives a client for a detected server that is not running now, so its request says "not running"', async () => {
    const port = await freePort();
    const presets = presetServers({ llamacpp: port, ollama: 0, lmstudio: 0, vllm: 0 });
    const registry = make({ presets });
    registry.configure({ servers: [], autoDetect: true });
    assert.deepEqual(await registry.refresh(), [], 'nothing found');
    const client = await registry.client(presets[0].name);
    await assert.rejects(client.json('/v1/models'), (e: HearthError) => e.code === 'refused' && /is not running/.test(e.message));
    assert.equal(registry.preset(presets[0].name)?.url, `http://127.0.0.1:${port}`);
    registry.configure({ servers: [configFor('http://127.0.0.1:1', 'openai')], autoDetect: true });
    assert.equal(registry.preset(presets[0].name), undefined, 'no presets while servers are configured');
    await assert.rejects(registry.client(presets[0].name), (e: HearthError) => e.code === 'notFound');
  });

  it('asks llama.cpp whether a model can fill in the middle once, not on every refresh', async () => {
    const llama = await start(new FakeLlamaCpp());
    const registry = make();
    registry.configure({ servers: [configFor(llama, 'llamacpp')], autoDetect: false });
    await registry.refresh({ force: true });
    await registry.refresh({ force: true });
    assert.equal(registry.statuses()[0].models[0].fimChecked, true);
    assert.equal(llama.requestsTo('/infill').length, 1);
  });

  it('survives a failing key store', async () => {
    const llama = await start(new FakeLlamaCpp());
    const log = memoryLogger();
    const registry = make({ log, getApiKey: async () => Promise.reject(new Error('keychain locked')) });
    registry.configure({ servers: [{ name: 'L', kind: 'llamacpp', url: llama.url }], autoDetect: false });
    assert.equal((await registry.refresh())[0].state, 'ok');
    assert.match(log.text(), /could not read the secrets of "L": keychain locked/);
  });

  it('lets a caller stop waiting without stopping the shared run', async () => {
    const llama = await start(new FakeLlamaCpp());
    llama.fault('*', '*', { delayMs: 80 });
    const registry = make();
    registry.configure({ servers: [{ name: 'L', kind: 'llamacpp', url: llama.url }], autoDetect: false });
    const ac = new AbortController();
    const impatient = registry.refresh({ signal: ac.signal });
    const patient = registry.refresh();
    ac.abort();
    await assert.rejects(impatient, (e: HearthError) => e.code === 'aborted');
    assert.equal((await patient)[0].state, 'ok');
  });

  it('stops firing after dispose', async () => {
    const registry = make();
    let fired = 0;
    registry.onDidChange(() => fired++);
    registry.dispose();
    registry.configure({ servers: [configFor('http://127.0.0.1:1', 'llamacpp')], autoDetect: false });
    assert.deepEqual(await registry.refresh(), []);
    assert.equal(fired, 0);
  });
});
