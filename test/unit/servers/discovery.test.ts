import assert from 'node:assert/strict';
import { discover } from '../../../src/core/servers/discovery';
import { ServerClient } from '../../../src/core/http';
import type { ServerConfig } from '../../../src/core/types';
import { FakeLlamaCpp, FakeLmStudio, FakeOllama, FakeOpenAI, freePort } from '../../fakes';
import { configFor, memoryLogger, useFakes } from '../core/helpers';

describe('discover', () => {
  const start = useFakes();
  const run = (server: ServerConfig, apiKey?: string) => discover(new ServerClient(server, { log: memoryLogger(), apiKey }), server);

  describe('llama.cpp', () => {
    it('reads the model, n_ctx per slot and slots', async () => {
      const fake = await start(new FakeLlamaCpp({ model: '/m/qwen2.5-coder-1.5b-q8_0.gguf', nCtx: 4096, slots: 2 }));
      const status = await run(configFor(fake, 'llamacpp'));
      assert.equal(status.state, 'ok');
      assert.deepEqual(status.models, [
        {
          id: '/m/qwen2.5-coder-1.5b-q8_0.gguf',
          server: 'llamacpp test',
          contextLength: 4096,
          fim: true,
          fimChecked: true,
          tools: false,
          vision: false,
        },
      ]);
      assert.deepEqual(status.props, { nCtx: 4096, slots: 2 });
      const withTools = await run(configFor(await start(new FakeLlamaCpp({ tools: true })), 'llamacpp'));
      assert.equal(withTools.models[0].tools, true, '/props chat_template_caps.supports_tools: the template renders tools');
      assert.ok(status.checkedAt);
      assert.deepEqual(fake.requests.map((r) => r.path).sort(), ['/health', '/infill', '/props', '/v1/models']);
    });

    it('reads tool and image support from /props (chat_template_caps, modalities)', async () => {
      const fake = await start(new FakeLlamaCpp({ tools: true, vision: true }));
      const status = await run(configFor(fake, 'llamacpp'));
      assert.deepEqual([status.models[0].tools, status.models[0].vision], [true, true]);
    });

    it('asks /infill once per model whether it can fill in the middle: 501 means no FIM tokens', async () => {
      const fake = await start(new FakeLlamaCpp({ model: '/m/qwen2.5-1.5b-instruct.gguf', fim: false }));
      const server = configFor(fake, 'llamacpp');
      const fimCache = new Map<string, boolean>();
      const client = new ServerClient(server, { log: memoryLogger() });
      const first = await discover(client, server, undefined, { fimCache });
      assert.equal(first.models[0].fim, false);
      assert.equal(first.models[0].fimChecked, true);
      const probe = fake.lastRequest('/infill')?.body as Record<string, unknown>;
      assert.equal(probe.n_predict, 1, 'a tiny request');
      assert.equal(probe.stream, true, 'streamed, so closing it frees the slot');
      const again = await discover(client, server, undefined, { fimCache });
      assert.equal(again.models[0].fim, false);
      assert.equal(fake.requestsTo('/infill').length, 1, 'probed once');
    });

    it('probes FIM once for all the ids one llama-server lists, and at most 8 loaded models of a router', async () => {
      const single = await start(new FakeLlamaCpp());
      const ids = Array.from({ length: 3000 }, (_, i) => ({
        id: `/models/alias-${i}.gguf`,
        object: 'model',
        owned_by: 'llamacpp',
        meta: { n_ctx: 4096 },
      }));
      single.route('GET', '/v1/models', (_req, res) => single.json(res, { object: 'list', data: ids }));
      const one = await run(configFor(single, 'llamacpp'));
      assert.equal(one.models.length, 3000);
      assert.ok(one.models.every((m) => m.fimChecked && m.fim));
      assert.equal(single.requestsTo('/infill').length, 1, 'one model loaded: one probe');

      const router = await start(new FakeLlamaCpp());
      const listed = Array.from({ length: 20 }, (_, i) => ({
        id: `model-${i}`,
        object: 'model',
        status: { value: i < 12 ? 'loaded' : 'unloaded' },
      }));
      router.route('GET', '/v1/models', (_req, res) => router.json(res, { object: 'list', data: listed }));
      const many = await run(configFor(router, 'llamacpp'));
      assert.equal(many.models.length, 20);
      assert.equal(router.requestsTo('/infill').length, 8, 'a bounded number of probes, only of loaded models');
      assert.equal(many.models.filter((m) => m.fimChecked).length, 8);
    });

    it('keeps FIM unknown (and offered) when the probe cannot tell', async () => {
      const fake = await start(new FakeLlamaCpp());
      fake.fault('POST', '/infill', { status: 503, message: 'Loading model' });
      const status = await run(configFor(fake, 'llamacpp'));
      assert.equal(status.models[0].fim, true);
      assert.equal(status.models[0].fimChecked, undefined);
    });

    it('is loading while /health answers 503', async () => {
      const fake = await start(new FakeLlamaCpp({ loading: true }));
      const status = await run(configFor(fake, 'llamacpp'));
      assert.equal(status.state, 'loading');
      assert.equal(status.error?.code, 'loading');
      assert.deepEqual(status.models, []);
    });

    it('falls back to meta.n_ctx when /props fails, and survives a missing /health', async () => {
      const fake = await start(new FakeLlamaCpp({ nCtx: 1024 }));
      fake.fault('GET', '/props', { status: 500 }).fault('GET', '/health', { status: 404 });
      const status = await run(configFor(fake, 'llamacpp'));
      assert.equal(status.state, 'ok');
      assert.equal(status.models[0].contextLength, 1024);
      assert.equal(status.props, undefined);
    });

    it('reports 401 with the key action when the server wants a key', async () => {
      const fake = await start(new FakeLlamaCpp({ apiKey: 'k' }));
      const status = await run(configFor(fake, 'llamacpp'));
      assert.equal(status.state, 'error');
      assert.equal(status.error?.code, 'unauthorized');
      assert.deepEqual(status.error?.actions, ['setApiKey', 'showLog']);
      assert.equal((await run(configFor(fake, 'llamacpp'), 'k')).state, 'ok');
    });
  });

  describe('Ollama', () => {
    it('lists models with context length, FIM from capabilities, num_ctx, and skips embedding models', async () => {
      const fake = await start(new FakeOllama());
      const status = await run(configFor(fake, 'ollama'));
      assert.equal(status.state, 'ok');
      assert.deepEqual(status.models, [
        {
          id: 'qwen2.5-coder:7b-base-q4_K_M',
          server: 'ollama test',
          contextLength: 32768,
          fim: true,
          fimChecked: true,
          tools: false,
          vision: false,
        },
        {
          id: 'llama3.2:3b',
          server: 'ollama test',
          contextLength: 131072,
          fim: false,
          fimChecked: true,
          numCtx: 8192,
          tools: true,
          vision: false,
        },
      ]);
      const shows = fake.requestsTo('/api/show').map((r) => (r.body as { model: string }).model);
      assert.deepEqual(shows.sort(), ['llama3.2:3b', 'nomic-embed-text:latest', 'qwen2.5-coder:7b-base-q4_K_M']);
    });

    it('reads the context a loaded model runs with from /api/ps', async () => {
      const fake = await start(
        new FakeOllama({
          models: [
            { name: 'qwen2.5-coder:7b-base', loadedContext: 16384 },
            { name: 'llama3.2:3b', numCtx: 8192 },
          ],
        }),
      );
      const status = await run(configFor(fake, 'ollama'));
      assert.deepEqual(
        status.models.map((m) => [m.id, m.loadedContext, m.numCtx]),
        [
          ['qwen2.5-coder:7b-base', 16384, undefined],
          ['llama3.2:3b', undefined, 8192],
        ],
      );
      fake.fault('GET', '/api/ps', { status: 404, message: 'not found' });
      const old = await run(configFor(fake, 'ollama'));
      assert.equal(old.state, 'ok', 'an Ollama without /api/ps still works');
      assert.equal(old.models[0].loadedContext, undefined);
    });

    it('keeps a model whose /api/show fails, guessing FIM from its family', async () => {
      const fake = await start(new FakeOllama({ models: [{ name: 'deepseek-coder:6.7b-base' }, { name: 'mistral:7b' }] }));
      fake.fault('POST', '/api/show', { status: 500, message: 'boom' });
      const status = await run(configFor(fake, 'ollama'));
      assert.deepEqual(
        status.models.map((m) => [m.id, m.fim, m.contextLength]),
        [
          ['deepseek-coder:6.7b-base', true, undefined],
          ['mistral:7b', false, undefined],
        ],
      );
    });

    it('limits /api/show concurrency', async () => {
      const models = Array.from({ length: 10 }, (_, i) => ({ name: `m${i}:latest` }));
      const fake = await start(new FakeOllama({ models }));
      let active = 0;
      let peak = 0;
      const show = fake.route.bind(fake);
      show('POST', '/api/show', async (req, res, server) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 15));
        active--;
        server.json(res, { model_info: { 'general.architecture': 'llama', 'llama.context_length': 4096 }, capabilities: ['completion'] });
      });
      const server = configFor(fake, 'ollama');
      const status = await discover(new ServerClient(server, { log: memoryLogger() }), server, undefined, { concurrency: 3 });
      assert.equal(status.models.length, 10);
      assert.ok(peak <= 3, `peak ${peak}`);
      assert.ok(status.models.every((m) => m.contextLength === 4096));
    });

    it('says so when the URL points at something that is not Ollama', async () => {
      const fake = await start(new FakeLlamaCpp());
      const status = await run(configFor(fake, 'ollama'));
      assert.equal(status.state, 'error');
      assert.equal(status.error?.code, 'notFound');
      assert.match(
        status.error?.message ?? '',
        /has no endpoint \/api\/tags \(404\)\. Check that the server kind and URL in settings are right/,
      );
    });
  });

  describe('LM Studio', () => {
    it('lists LLMs and VLMs with loaded state and context', async () => {
      const fake = await start(new FakeLmStudio());
      const status = await run(configFor(fake, 'lmstudio'));
      assert.equal(status.state, 'ok');
      assert.deepEqual(status.models, [
        { id: 'qwen2.5-coder-7b-instruct', server: 'lmstudio test', contextLength: 8192, fim: true, loaded: true, vision: false },
        {
          id: 'meta-llama-3.1-8b-instruct',
          server: 'lmstudio test',
          contextLength: 131072,
          fim: false,
          loaded: false,
          tools: true,
          vision: false,
        },
        { id: 'qwen2-vl-7b-instruct', server: 'lmstudio test', contextLength: 32768, fim: false, loaded: false, vision: true },
      ]);
    });

    it('falls back to /v1/models without the REST API v0', async () => {
      const fake = await start(new FakeLmStudio({ legacy: true }));
      const status = await run(configFor(fake, 'lmstudio'));
      assert.equal(status.state, 'ok');
      assert.equal(status.models.length, 4);
      assert.equal(status.models[0].id, 'qwen2.5-coder-7b-instruct');
      assert.equal(status.models[0].loaded, undefined);
      assert.deepEqual(
        fake.requests.map((r) => r.path),
        ['/api/v0/models', '/v1/models'],
      );
    });
  });

  describe('vLLM and OpenAI-compatible', () => {
    it('vLLM: max_model_len and FIM by family, ids verbatim', async () => {
      const fake = await start(
        new FakeOpenAI({
          models: [
            { id: 'Qwen/Qwen2.5-Coder-1.5B', maxModelLen: 16384 },
            { id: 'meta-llama/Llama-3.1-8B-Instruct', maxModelLen: 8192 },
          ],
        }),
      );
      const status = await run(configFor(fake, 'vllm'));
      assert.deepEqual(status.models, [
        { id: 'Qwen/Qwen2.5-Coder-1.5B', server: 'vllm test', contextLength: 16384, fim: true },
        { id: 'meta-llama/Llama-3.1-8B-Instruct', server: 'vllm test', contextLength: 8192, fim: false },
      ]);
    });

    it('openai: /v1/models without context lengths', async () => {
      const fake = await start(new FakeOpenAI({ flavor: 'openai', models: [{ id: 'gpt-4o-mini' }] }));
      const status = await run(configFor(fake, 'openai'));
      assert.deepEqual(status.models, [{ id: 'gpt-4o-mini', server: 'openai test', contextLength: undefined, fim: false }]);
    });

    it('an unexpected shape is malformed', async () => {
      const fake = await start(new FakeOpenAI());
      fake.fault('GET', '/v1/models', { body: { models: [], note: 'a proxy envelope', token: 'sk-secret-value-1234' } });
      const status = await run(configFor(fake, 'vllm'));
      assert.equal(status.state, 'error');
      assert.equal(status.error?.code, 'malformed');
      const message = status.error?.message ?? '';
      assert.match(
        message,
        /^vLLM at http:\/\/127\.0\.0\.1:\d+ answered to \/v1\/models with something Hearth cannot read \(no "data" list\)/,
      );
      assert.match(message, /It sent: "\{"models":\[\],"note":"a proxy envelope"/, 'quotes the start of what it sent');
      assert.ok(!message.includes('sk-secret-value-1234'), `redacted: ${message}`);
    });
  });

  it('never throws: refused and timeout become error states', async () => {
    const port = await freePort();
    const refused = await run(configFor(`http://127.0.0.1:${port}`, 'vllm'));
    assert.equal(refused.state, 'error');
    assert.equal(refused.error?.code, 'refused');
    const fake = await start(new FakeOpenAI());
    fake.fault('*', '*', { hang: true });
    const server = configFor(fake, 'vllm');
    const slow = await discover(new ServerClient(server, { log: memoryLogger() }), server, undefined, { timeoutMs: 100 });
    assert.equal(slow.error?.code, 'timeout');
  });
});
