// The one rule chat and completion share for a model's context length, and
// where the number came from.
import assert from 'node:assert/strict';
import { ASSUMED_CONTEXT, contextInfo, describeContextSource, settingFor } from '../../../src/core/servers/context';
import type { ModelInfo, ServerStatus } from '../../../src/core/servers/types';
import type { ServerConfig } from '../../../src/core/types';

function status(kind: ServerConfig['kind'], extra: Partial<ServerStatus> = {}, server: Partial<ServerConfig> = {}): ServerStatus {
  return { server: { name: kind, kind, url: 'http://127.0.0.1:1', ...server }, state: 'ok', models: [], ...extra };
}

const model = (extra: Partial<ModelInfo> = {}): ModelInfo => ({ id: 'm', server: 's', fim: true, ...extra });

describe('context length rule', () => {
  it('llama.cpp: the per-slot n_ctx from /props, else the model meta', () => {
    assert.deepEqual(contextInfo(status('llamacpp', { props: { nCtx: 4096, slots: 2 } }), model({ contextLength: 8192 })), {
      tokens: 4096,
      source: 'slot',
    });
    assert.deepEqual(contextInfo(status('llamacpp'), model({ contextLength: 8192 })), { tokens: 8192, source: 'slot' });
  });

  it('Ollama: loaded context, else Modelfile num_ctx, else its default; num_ctx sent only when known', () => {
    const ollama = status('ollama');
    assert.deepEqual(contextInfo(ollama, model({ contextLength: 32768, numCtx: 8192, loadedContext: 16384 })), {
      tokens: 16384,
      source: 'loaded',
      numCtx: 16384,
    });
    assert.deepEqual(contextInfo(ollama, model({ contextLength: 32768, numCtx: 8192 })), {
      tokens: 8192,
      source: 'modelfile',
      numCtx: 8192,
    });
    assert.deepEqual(contextInfo(ollama, model({ contextLength: 32768 })), { tokens: ASSUMED_CONTEXT, source: 'assumed' });
    assert.deepEqual(contextInfo(ollama, model({ contextLength: 2048 })), { tokens: 2048, source: 'assumed' }, 'never more than the model');
  });

  it('other servers: what they report, else the assumed 4,096', () => {
    assert.deepEqual(contextInfo(status('vllm'), model({ contextLength: 16384 })), { tokens: 16384, source: 'server' });
    assert.deepEqual(contextInfo(status('openai'), model()), { tokens: 4096, source: 'assumed' });
    assert.deepEqual(contextInfo(undefined, undefined), { tokens: 4096, source: 'assumed' });
  });

  it('the setting wins, per model first, then "*", then a plain number; on Ollama it is the num_ctx too', () => {
    const perModel = { contextLength: { m: 12000, '*': 9000 } };
    assert.deepEqual(contextInfo(status('openai', {}, perModel), model()), { tokens: 12000, source: 'setting' });
    assert.deepEqual(contextInfo(status('openai', {}, perModel), model({ id: 'other' })), { tokens: 9000, source: 'setting' });
    assert.deepEqual(contextInfo(status('llamacpp', { props: { nCtx: 4096 } }, { contextLength: 2048 }), model()), {
      tokens: 2048,
      source: 'setting',
    });
    assert.deepEqual(contextInfo(status('ollama', {}, { contextLength: 16384 }), model({ loadedContext: 4096 })), {
      tokens: 16384,
      source: 'setting',
      numCtx: 16384,
    });
    assert.equal(settingFor({ a: 1000 }, 'b'), undefined);
    assert.equal(settingFor(undefined, 'b'), undefined);
  });

  it('says where each number came from', () => {
    assert.match(describeContextSource('assumed'), /does not say; set contextLength/);
    assert.match(describeContextSource('setting'), /hearth\.servers/);
    assert.match(describeContextSource('loaded'), /Ollama/);
  });
});
