import assert from 'node:assert/strict';
import { isHearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { nullLogger, type ServerKind } from '../../../src/core/types';
import type { FimRequest } from '../../../src/core/completion/backend';
import { InfillBackend } from '../../../src/core/completion/infill';
import { SlotAffinity } from '../../../src/core/completion/slots';
import { OllamaBackend } from '../../../src/core/completion/ollama';
import { OpenAICompletionsBackend } from '../../../src/core/completion/openaiCompletions';
import { TEMPLATES } from '../../../src/core/completion/templates';
import { startLlamaCpp } from '../../fakes/fakeLlamaCpp';
import { FimFake, type FimFakeOptions, mountFim, type RunningFake, startFimServer } from '../../fakes/fimRoutes';

function client(url: string, kind: ServerKind = 'llamacpp'): ServerClient {
  return new ServerClient({ name: 'fake', kind, url }, { log: nullLogger });
}

function request(over: Partial<FimRequest> = {}): FimRequest {
  return {
    model: 'qwen2.5-coder:1.5b',
    input: { inputPrefix: 'function add(a, b) {\n', prompt: '  return ', suffix: '\n}\n', filename: 'src/add.ts', indent: 2 },
    extra: [{ filename: 'src/util.ts', text: 'export const one = 1;\n' }],
    nPredict: 32,
    ...over,
  };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isHearthError(e), `not a HearthError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('completion/backends against fake servers', function () {
  this.timeout(10000);
  let srv: RunningFake;
  const start = async (opts: Partial<FimFakeOptions> = {}) => {
    srv = await startFimServer(opts);
    return srv;
  };
  afterEach(async () => srv?.close());

  describe('llama.cpp /infill', () => {
    it('sends the /infill fields and reads text, stop and timings', async () => {
      await start({ generate: () => 'a + b;' });
      const res = await new InfillBackend(client(srv.url)).complete(request({ timeBudgetMs: 1500, samplers: ['top_k', 'top_p'] }));
      assert.equal(res.text, 'a + b;');
      assert.equal(res.stop, 'eos');
      assert.equal(res.fromCache, false);
      const body = srv.fake.records[0].body;
      assert.equal(body.input_prefix, 'function add(a, b) {\n');
      assert.equal(body.prompt, '  return ');
      assert.equal(body.input_suffix, '\n}\n');
      assert.deepEqual(body.input_extra, [{ filename: 'src/util.ts', text: 'export const one = 1;\n' }]);
      assert.equal(body.n_predict, 32);
      assert.equal(body.n_indent, 2);
      assert.equal(body.stream, true);
      assert.equal(body.cache_prompt, true);
      assert.equal(body.t_max_predict_ms, 1500);
      assert.deepEqual(body.samplers, ['top_k', 'top_p']);
      assert.ok(res.timings.promptTokens! > 0);
      assert.equal(res.timings.cachedTokens, 0);
      assert.equal(res.timings.generatedTokens, srv.fake.records[0].generatedTokens);
      assert.equal(res.timings.totalPromptTokens, res.timings.promptTokens);
    });

    it('reports prompt tokens reused from the slot cache (cache_n)', async () => {
      await start();
      const backend = new InfillBackend(client(srv.url));
      await backend.complete(request());
      const second = await backend.complete(request({ input: { ...request().input, prompt: '  return a' } }));
      assert.ok(second.timings.cachedTokens! > 10, `cache_n ${second.timings.cachedTokens}`);
      assert.ok(second.timings.promptTokens! < 20, `prompt_n ${second.timings.promptTokens}`);
    });

    it('abort closes the connection and the server stops generating', async () => {
      await start({ genMsPerToken: 20, generate: () => 'x'.repeat(3000) });
      const backend = new InfillBackend(client(srv.url));
      const ctl = new AbortController();
      const p = backend.complete(request({ nPredict: 1000, signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 120);
      await rejects(p, 'aborted');
      await new Promise((r) => setTimeout(r, 100));
      const rec = srv.fake.records[0];
      assert.equal(rec.aborted, true);
      assert.ok(rec.generatedTokens < 20, `kept generating: ${rec.generatedTokens}`);
      // The slot is free: the next request is served at once.
      srv.fake.opts.generate = () => 'ok';
      const t = Date.now();
      assert.equal((await backend.complete(request())).text, 'ok');
      assert.ok(Date.now() - t < 1000);
    });

    it('asks for the slot holding its cache: the request after a cancelled one waits for it instead of reading everything again', async () => {
      // Two slots; a closed connection is noticed only after the prompt is read (llama.cpp).
      const long = { ...request().input, inputPrefix: 'const big = [\n'.concat('  "a fairly long line of code",\n'.repeat(200)) };
      const cancelledThenNext = async (backend: InfillBackend) => {
        const ctl = new AbortController();
        const first = backend.complete(request({ input: long, signal: ctl.signal }));
        setTimeout(() => ctl.abort(), 30);
        await rejects(first, 'aborted');
        return backend.complete(request({ input: { ...long, prompt: '  return a' } }));
      };
      await start({ slots: 2, promptMsPerToken: 0.1, generate: () => 'ok' });
      const pinned = new InfillBackend(client(srv.url), new SlotAffinity(() => 2));
      const next = await cancelledThenNext(pinned);
      assert.deepEqual(
        srv.fake.records.map((r) => [r.body.id_slot, r.slot]),
        [
          [1, 1],
          [1, 1],
        ],
      );
      assert.ok(next.timings.cachedTokens! > 1000, `cache_n ${next.timings.cachedTokens}`);
      await srv.close();

      // Without it, the server gives the next request the other, empty slot.
      await start({ slots: 2, promptMsPerToken: 0.1, generate: () => 'ok' });
      const free = await cancelledThenNext(new InfillBackend(client(srv.url)));
      assert.deepEqual(
        srv.fake.records.map((r) => r.slot),
        [0, 1],
      );
      assert.equal(free.timings.cachedTokens, 0);
    });

    it('learns the slot from the last event; after a request that ended normally the server chooses', async () => {
      await start({ slots: 3, genMsPerToken: 5, generate: () => 'x'.repeat(200) });
      const backend = new InfillBackend(client(srv.url), new SlotAffinity(() => undefined));
      await backend.complete(request({ nPredict: 4 }));
      await backend.warmup(request());
      const ctl = new AbortController();
      const closed = backend.complete(request({ nPredict: 100, signal: ctl.signal, onText: () => ctl.abort() }));
      await rejects(closed, 'aborted');
      await backend.complete(request({ nPredict: 4 }));
      const first = srv.fake.records[0].slot;
      assert.deepEqual(
        srv.fake.records.map((r) => r.body.id_slot),
        [undefined, undefined, undefined, first],
        'only the request after the one closed early asks, for the slot the server reported',
      );
      assert.ok((srv.fake.records[0].body.response_fields as string[]).includes('id_slot'), 'id_slot survives response_fields');
    });

    it('t_max_predict_ms ends generation after a complete line (stop "time")', async () => {
      await start({ genMsPerToken: 5, generate: () => `a\n${'b'.repeat(600)}` });
      const res = await new InfillBackend(client(srv.url)).complete(request({ nPredict: 500, timeBudgetMs: 40 }));
      assert.equal(res.stop, 'time');
      assert.ok(res.text.startsWith('a\n'));
      assert.ok(res.timings.generatedTokens! < 100);
    });

    it('warm-up sends n_predict 0 and returns the prompt timings', async () => {
      await start();
      const t = await new InfillBackend(client(srv.url)).warmup(request());
      assert.equal(srv.fake.records[0].body.n_predict, 0);
      assert.ok(t.promptTokens! > 0);
      assert.equal(srv.fake.records[0].generatedTokens, 0);
    });

    it('501 from a server without /infill (Ollama, LM Studio) is a clear notFound', async () => {
      await start({ infill: false });
      await rejects(new InfillBackend(client(srv.url)).complete(request()), 'notFound');
    });

    it('400 → badRequest', async () => {
      await start({ fault: () => ({ kind: 'status', status: 400 }) });
      await rejects(new InfillBackend(client(srv.url)).complete(request()), 'badRequest');
    });

    it('malformed event → malformed', async () => {
      await start({ fault: () => ({ kind: 'malformed', afterTokens: 1 }), generate: () => 'abcdefgh' });
      await rejects(new InfillBackend(client(srv.url)).complete(request()), 'malformed');
    });

    it('stream cut off before the last event → malformed', async () => {
      await start({ fault: () => ({ kind: 'cutoff', afterTokens: 2 }), generate: () => 'abcdefghijkl' });
      await rejects(new InfillBackend(client(srv.url)).complete(request()), 'malformed');
    });

    it('an error inside the stream → server', async () => {
      await start({ fault: () => ({ kind: 'streamError', afterTokens: 1 }), generate: () => 'abcdefgh' });
      await rejects(new InfillBackend(client(srv.url)).complete(request()), 'server');
    });
  });

  describe('Ollama /api/generate', () => {
    it('models with `insert` get prompt + suffix (no raw), NDJSON timings in ms', async () => {
      await start({ ollamaModels: { 'qwen2.5-coder:1.5b': ['completion', 'insert'] }, generate: () => 'a + b;' });
      const res = await new OllamaBackend(client(srv.url, 'ollama')).complete(request({ keepAlive: '30m', temperature: 0.2 }));
      assert.equal(res.text, 'a + b;');
      assert.equal(res.stop, 'eos');
      const gen = srv.fake.records.find((r) => r.path === '/api/generate')!;
      assert.equal(gen.body.prompt, 'function add(a, b) {\n  return ');
      assert.equal(gen.body.suffix, '\n}\n');
      assert.equal(gen.body.raw, undefined);
      assert.equal(gen.body.keep_alive, '30m');
      assert.deepEqual(gen.body.options, { num_predict: 32, temperature: 0.2 });
      assert.ok(res.timings.promptTokens! > 0);
      assert.equal(typeof res.timings.promptMs, 'number');
      assert.ok(res.timings.genMs! < 1000, 'converted from ns');
    });

    it('models without `insert` get the family template with raw: true and its stop tokens', async () => {
      await start({
        ollamaModels: { 'qwen2.5-coder:1.5b': ['completion'] },
        generate: (i) => (i.prefix.endsWith('return ') ? 'a + b;' : 'WRONG'),
      });
      const res = await new OllamaBackend(client(srv.url, 'ollama')).complete(request({ template: TEMPLATES.qwen, extra: [] }));
      assert.equal(res.text, 'a + b;');
      const gen = srv.fake.records.find((r) => r.path === '/api/generate')!;
      assert.equal(gen.body.raw, true);
      assert.equal(gen.body.suffix, undefined);
      assert.equal(
        gen.body.prompt,
        '<|repo_name|>workspace\n<|file_sep|>src/add.ts\n<|fim_prefix|>function add(a, b) {\n  return <|fim_suffix|>\n}\n<|fim_middle|>',
      );
      assert.deepEqual((gen.body.options as { stop: string[] }).stop, [...TEMPLATES.qwen.stop]);
    });

    it('sends num_ctx only when given (the same value chat sends)', async () => {
      await start({ ollamaModels: { 'qwen2.5-coder:1.5b': ['completion', 'insert'] } });
      await new OllamaBackend(client(srv.url, 'ollama'), { numCtx: 16384 }).complete(request());
      const gen = srv.fake.records.find((r) => r.path === '/api/generate')!;
      assert.equal((gen.body.options as Record<string, unknown>).num_ctx, 16384);
    });

    it('takes capabilities from discovery without asking /api/show', async () => {
      await start({ ollamaModels: { m: ['completion', 'insert'] } });
      await new OllamaBackend(client(srv.url, 'ollama'), { capabilities: () => ['completion', 'insert'] }).complete(
        request({ model: 'm' }),
      );
      assert.equal(srv.fake.records.filter((r) => r.path === '/api/show').length, 0);
    });

    it('no insert and no template: a specific error, no request sent', async () => {
      await start({ ollamaModels: { mystery: ['completion'] } });
      await rejects(new OllamaBackend(client(srv.url, 'ollama')).complete(request({ model: 'mystery' })), 'badRequest');
      assert.equal(srv.fake.records.length, 0);
    });

    it('client-side time budget stops after a complete line and closes the stream', async () => {
      await start({ genMsPerToken: 5, generate: () => `first line\n${'z'.repeat(900)}` });
      const res = await new OllamaBackend(client(srv.url, 'ollama')).complete(request({ nPredict: 1000, timeBudgetMs: 50 }));
      assert.equal(res.stop, 'time');
      assert.equal(res.text, 'first line');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(srv.fake.records.find((r) => r.path === '/api/generate')!.aborted, true);
    });

    it('abort stops generation', async () => {
      await start({ genMsPerToken: 20, generate: () => 'y'.repeat(3000) });
      const ctl = new AbortController();
      const p = new OllamaBackend(client(srv.url, 'ollama')).complete(request({ nPredict: 1000, signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 100);
      await rejects(p, 'aborted');
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(srv.fake.records.find((r) => r.path === '/api/generate')!.aborted, true);
    });

    it('unknown model → modelNotFound; cut-off → malformed', async () => {
      await start({ ollamaModels: {} });
      await rejects(
        new OllamaBackend(client(srv.url, 'ollama'), { capabilities: () => ['insert'] }).complete(request({ model: 'nope' })),
        'modelNotFound',
      );
      await srv.close();
      await start({ fault: () => ({ kind: 'cutoff', afterTokens: 1 }), generate: () => 'abcdefgh' });
      await rejects(new OllamaBackend(client(srv.url, 'ollama')).complete(request()), 'malformed');
    });
  });

  describe('OpenAI /v1/completions', () => {
    it('sends the template prompt, stop tokens, max_tokens; reads usage and timings', async () => {
      await start({ generate: () => 'a + b;<｜end▁of▁sentence｜>junk' });
      const res = await new OpenAICompletionsBackend(client(srv.url, 'vllm')).complete(
        request({ template: TEMPLATES.deepseek, extra: [] }),
      );
      assert.equal(res.text, 'a + b;');
      assert.equal(res.stop, 'eos');
      const body = srv.fake.records[0].body;
      assert.equal(body.prompt, '<｜fim▁begin｜>function add(a, b) {\n  return <｜fim▁hole｜>\n}\n<｜fim▁end｜>');
      assert.equal(body.max_tokens, 32);
      assert.deepEqual(body.stop, [...TEMPLATES.deepseek.stop]);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.ok(res.timings.totalPromptTokens! > 0);
      assert.equal(res.timings.generatedTokens, srv.fake.records[0].generatedTokens);
    });

    it('omits stream_options when the server config says so', async () => {
      await start();
      await new OpenAICompletionsBackend(client(srv.url, 'openai'), { streamUsage: false }).complete(request({ template: TEMPLATES.qwen }));
      assert.equal(srv.fake.records[0].body.stream_options, undefined);
    });

    it('finish_reason length → limit', async () => {
      await start({ generate: () => 'q'.repeat(300) });
      const res = await new OpenAICompletionsBackend(client(srv.url, 'vllm')).complete(request({ template: TEMPLATES.qwen, nPredict: 5 }));
      assert.equal(res.stop, 'limit');
      assert.equal(res.timings.generatedTokens, 5);
    });

    it('no template → a specific error; cut-off → malformed', async () => {
      await start({ fault: () => ({ kind: 'cutoff', afterTokens: 1 }), generate: () => 'abcdefgh' });
      await rejects(new OpenAICompletionsBackend(client(srv.url, 'vllm')).complete(request()), 'badRequest');
      await rejects(new OpenAICompletionsBackend(client(srv.url, 'vllm')).complete(request({ template: TEMPLATES.qwen })), 'malformed');
    });
  });

  describe('the fake itself', () => {
    it('mounts on the kind fakes (FakeLlamaCpp keeps /health and /props)', async () => {
      const llama = await startLlamaCpp({ nCtx: 4096 });
      try {
        const fim = mountFim(llama, new FimFake({ generate: () => 'ok' }));
        const res = await new InfillBackend(client(llama.url)).complete(request());
        assert.equal(res.text, 'ok');
        assert.equal(fim.records.length, 1);
        assert.equal((await fetch(`${llama.url}/health`)).status, 200);
      } finally {
        await llama.close();
      }
    });

    it('mirrors /infill trimming: prefix keeps its last 3*(n_batch/4) tokens', async () => {
      await start({ nBatch: 64, charsPerToken: 1 });
      await new InfillBackend(client(srv.url)).complete(
        request({ input: { inputPrefix: 'p'.repeat(100), prompt: 'X', suffix: 's'.repeat(100), filename: 'a', indent: 0 }, extra: [] }),
      );
      const prompt = srv.fake.records[0].prompt;
      assert.ok(prompt.includes(`<PRE>${'p'.repeat(48)}X<SUF>${'s'.repeat(13)}<MID>`), prompt);
    });

    it('a non-streaming request runs on after the client left, holding its slot', async () => {
      await start({ genMsPerToken: 2, generate: () => 'n'.repeat(300) });
      const ctl = new AbortController();
      const p = fetch(`${srv.url}/infill`, {
        method: 'POST',
        body: JSON.stringify({ input_prefix: 'a', input_suffix: 'b', n_predict: 100, stream: false }),
        signal: ctl.signal,
      });
      setTimeout(() => ctl.abort(), 30);
      await assert.rejects(p);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(srv.fake.records[0].generatedTokens, 100);
    });
  });
});
