import assert from 'node:assert/strict';
import { describeModel, formatContext, onlyFimModel, overallState, pickEntries } from '../../../src/core/servers/modelList';
import { HearthError } from '../../../src/core/errors';
import type { ServerStatus } from '../../../src/core/servers/types';

const llama: ServerStatus = {
  server: { name: 'llama.cpp (127.0.0.1:8080)', kind: 'llamacpp', url: 'http://127.0.0.1:8080' },
  state: 'ok',
  models: [{ id: 'qwen2.5-coder-1.5b-q8_0.gguf', server: 'llama.cpp (127.0.0.1:8080)', contextLength: 8192, fim: true }],
};
const ollama: ServerStatus = {
  server: { name: 'Ollama', kind: 'ollama', url: 'http://127.0.0.1:11434' },
  state: 'ok',
  models: [
    { id: 'llama3.2:3b', server: 'Ollama', contextLength: 131072, fim: false },
    { id: 'qwen2.5-coder:7b-base', server: 'Ollama', contextLength: 32768, fim: true },
  ],
};

describe('model list', () => {
  it('formats context lengths with separators', () => {
    assert.equal(formatContext(32768), '32,768 tokens');
    assert.equal(formatContext(undefined), undefined);
  });

  it('describes a model with its context and where it came from, FIM and loaded state', () => {
    assert.equal(describeModel({ id: 'm', server: 's', contextLength: 4096, fim: true }, llama), '4,096 tokens (per slot) · FIM');
    assert.equal(describeModel({ id: 'm', server: 's', contextLength: 4096, fim: true }, ollama), '4,096 tokens (assumed) · FIM');
    assert.equal(describeModel({ id: 'm', server: 's', fim: false, loaded: false }), '4,096 tokens (assumed) · not loaded');
    const withSetting = { ...ollama, server: { ...ollama.server, contextLength: { m: 16384 } } };
    assert.equal(describeModel({ id: 'm', server: 's', fim: true, loadedContext: 8192 }, withSetting), '16,384 tokens (setting) · FIM');
  });

  it('groups models by server with one separator each', () => {
    const entries = pickEntries([llama, ollama], 'chat');
    assert.deepEqual(
      entries.map((e) => e.type),
      ['server', 'model', 'server', 'model', 'model'],
    );
    assert.equal(entries[0].label, 'llama.cpp (127.0.0.1:8080) — llama.cpp');
    const model = entries[1];
    assert.ok(model.type === 'model');
    assert.equal(model.description, '8,192 tokens (per slot) · FIM');
    assert.equal(model.detail, "Context 8,192 tokens: llama.cpp's context per slot");
    assert.deepEqual(model.ref, { server: 'llama.cpp (127.0.0.1:8080)', model: 'qwen2.5-coder-1.5b-q8_0.gguf' });
  });

  it('puts FIM models first for completion and flags the others', () => {
    const entries = pickEntries([ollama], 'completion').filter((e) => e.type === 'model');
    assert.deepEqual(
      entries.map((e) => e.label),
      ['qwen2.5-coder:7b-base', 'llama3.2:3b'],
    );
    assert.ok(entries[1].type === 'model' && /fill-in-the-middle/.test(entries[1].detail ?? ''));
  });

  it('does not offer for completion a model the server says cannot fill in the middle', () => {
    const instruct: ServerStatus = {
      ...llama,
      models: [
        { id: 'instruct.gguf', server: llama.server.name, fim: false, fimChecked: true },
        { id: 'coder.gguf', server: llama.server.name, fim: true, fimChecked: true },
      ],
    };
    const completion = pickEntries([instruct], 'completion');
    assert.deepEqual(
      completion.filter((e) => e.type === 'model').map((e) => e.label),
      ['coder.gguf'],
    );
    const note = completion.find((e) => e.type === 'problem');
    assert.ok(note?.type === 'problem');
    assert.match(note.label, /"instruct\.gguf" has no fill-in-the-middle tokens/);
    assert.equal(pickEntries([instruct], 'chat').filter((e) => e.type === 'model').length, 2, 'chat offers both');
  });

  it('finds the only model that can fill in the middle, and counts them', () => {
    assert.deepEqual(onlyFimModel([llama]), { ref: { server: llama.server.name, model: 'qwen2.5-coder-1.5b-q8_0.gguf' }, count: 1 });
    assert.deepEqual(onlyFimModel([llama, ollama]), { ref: undefined, count: 2 });
    assert.deepEqual(onlyFimModel([{ ...llama, state: 'error' }]), { ref: undefined, count: 0 });
    assert.equal(onlyFimModel([{ ...llama, state: 'checking' }]).count, 1, 'kept while the server is checked again');
    const notLoaded: ServerStatus = { ...ollama, models: [{ id: 'x', server: 'Ollama', fim: true, loaded: false }] };
    assert.deepEqual(onlyFimModel([notLoaded]), { ref: undefined, count: 0 });
  });

  it('marks the selected model', () => {
    const entries = pickEntries([ollama], 'chat', { server: 'Ollama', model: 'llama3.2:3b' });
    const picked = entries.filter((e) => e.type === 'model' && e.picked);
    assert.equal(picked.length, 1);
    assert.match(picked[0].label, /^\$\(check\) llama3\.2:3b$/);
  });

  it('lists an unreachable server with its error instead of hiding it', () => {
    const down: ServerStatus = {
      server: { name: 'Team box', kind: 'llamacpp', url: 'http://127.0.0.1:9' },
      state: 'error',
      models: [],
      error: new HearthError('refused', 'llama.cpp at http://127.0.0.1:9 is not running (connection refused).'),
    };
    const entries = pickEntries([down, ollama], 'chat');
    assert.equal(entries[1].type, 'problem');
    assert.ok(entries[1].type === 'problem');
    assert.match(entries[1].detail, /is not running/);
  });

  it('computes the overall state', () => {
    assert.equal(overallState([]), 'none');
    assert.equal(overallState([llama, ollama]), 'ok');
    assert.equal(overallState([{ ...llama, state: 'checking' }]), 'checking');
    assert.equal(overallState([{ ...llama, state: 'error' }]), 'error');
  });
});
