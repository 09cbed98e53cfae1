import assert from 'node:assert/strict';
import { lmModelId, lmModels, lmModelsKey, parseLmModelId, splitContext } from '../../../src/core/lm/models';
import type { ModelInfo, ServerStatus } from '../../../src/core/servers/types';
import type { ServerConfig } from '../../../src/core/types';

function status(
  server: Partial<ServerConfig> & { name: string },
  models: Partial<ModelInfo>[],
  extra: Partial<ServerStatus> = {},
): ServerStatus {
  const config: ServerConfig = { kind: 'llamacpp', url: 'http://127.0.0.1:8080', ...server };
  return {
    server: config,
    state: 'ok',
    models: models.map((m) => ({ id: 'm', server: config.name, fim: false, ...m })),
    ...extra,
  };
}

describe('lm/models', () => {
  it('makes ids that name the server and the model, and reads them back', () => {
    const ref = { server: 'GPU box / 2', model: 'org/model:7b' };
    const id = lmModelId(ref);
    assert.deepEqual(parseLmModelId(id), ref);
    assert.equal(parseLmModelId('no-slash'), undefined);
    assert.equal(parseLmModelId('/model'), undefined);
    assert.equal(parseLmModelId('%E0%A4%A/x'), undefined, 'a broken escape is not an id');
  });

  it("splits the context: the chat's max tokens for the reply, never more than half", () => {
    assert.deepEqual(splitContext(4096, 2048), { input: 2048, output: 2048 });
    assert.deepEqual(splitContext(4096, 8192), { input: 2048, output: 2048 });
    assert.deepEqual(splitContext(32768, 2048), { input: 30720, output: 2048 });
    assert.deepEqual(splitContext(32768, undefined), { input: 24576, output: 8192 });
  });

  it("offers each chat model of every server that answers, with the server's name and its real context", () => {
    const statuses = [
      status({ name: 'llama' }, [{ id: '/models/qwen2.5-coder-7b-q8_0.gguf', tools: true, vision: false }], { props: { nCtx: 8192 } }),
      status({ name: 'ollama', kind: 'ollama', url: 'http://127.0.0.1:11434' }, [
        { id: 'llama3.2:3b', contextLength: 131072, numCtx: 8192, tools: true, vision: true },
        { id: 'nomic-embed-text:latest', contextLength: 2048 },
      ]),
      status({ name: 'down' }, [{ id: 'gone' }], { state: 'error' }),
    ];
    const models = lmModels(statuses, { maxTokens: 2048, toolCalls: true });
    assert.deepEqual(
      models.map((m) => [m.id, m.name, m.maxInputTokens, m.maxOutputTokens, m.capabilities]),
      [
        ['llama//models/qwen2.5-coder-7b-q8_0.gguf', 'qwen2.5-coder-7b-q8_0 (llama)', 6144, 2048, { toolCalling: true, imageInput: false }],
        ['ollama/llama3.2:3b', 'llama3.2:3b (ollama)', 6144, 2048, { toolCalling: true, imageInput: true }],
      ],
    );
    assert.match(models[0].detail, /^llama · 8,192 tokens \(per slot\)$/);
    assert.match(models[1].tooltip, /llama3\.2:3b on ollama \(Ollama, http:\/\/127\.0\.0\.1:11434\)/);
  });

  it('offers tool calling only when the server says the model takes tools and the provider can stream calls', () => {
    const statuses = [status({ name: 's' }, [{ id: 'a', tools: true }, { id: 'b' }])];
    assert.deepEqual(
      lmModels(statuses, { toolCalls: true }).map((m) => m.capabilities.toolCalling),
      [true, false],
    );
    assert.deepEqual(
      lmModels(statuses, { toolCalls: false }).map((m) => m.capabilities.toolCalling),
      [false, false],
    );
  });

  it('keeps the models of a server being checked again, and drops those of one that stopped', () => {
    const checking = [status({ name: 's' }, [{ id: 'a' }], { state: 'checking' })];
    assert.equal(lmModels(checking, { toolCalls: false }).length, 1);
    const stopped = [status({ name: 's' }, [], { state: 'error' })];
    assert.equal(lmModels(stopped, { toolCalls: false }).length, 0);
    assert.notEqual(lmModelsKey(lmModels(checking, { toolCalls: false })), lmModelsKey(lmModels(stopped, { toolCalls: false })));
  });
});
