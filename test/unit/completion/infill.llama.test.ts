// The FIM backends and the engine against a real llama-server (skipped unless
// HEARTH_TEST_LLAMA_SERVER and HEARTH_TEST_LLAMA_MODEL are set). The tiny
// model babbles with flat distributions, so the `infill` sampler would end at
// once: these tests leave it out and assert on protocol and flow, not text.
import assert from 'node:assert/strict';
import { isHearthError } from '../../../src/core/errors';
import { ServerClient } from '../../../src/core/http';
import { nullLogger } from '../../../src/core/types';
import type { FimRequest } from '../../../src/core/completion/backend';
import { snapshotFromText } from '../../../src/core/completion/excerpt';
import { CompletionEngine } from '../../../src/core/completion/engine';
import { InfillBackend } from '../../../src/core/completion/infill';
import { OpenAICompletionsBackend } from '../../../src/core/completion/openaiCompletions';
import { ExtraRing } from '../../../src/core/completion/ring';
import { SlotAffinity } from '../../../src/core/completion/slots';
import type { CompletionStats } from '../../../src/core/completion/stats';
import { TEMPLATES } from '../../../src/core/completion/templates';
import { startLlamaOrSkip, type LlamaServer } from '../../harness/llamaServer';

const SAMPLERS = ['top_k', 'top_p', 'temperature'];

function request(over: Partial<FimRequest> = {}): FimRequest {
  const body = Array.from({ length: 40 }, (_, i) => `  const v${i} = compute(${i});`).join('\n');
  return {
    model: 'tiny',
    input: { inputPrefix: `function big() {\n${body}\n`, prompt: '  return ', suffix: '\n}\n', filename: 'src/big.ts', indent: 2 },
    extra: [],
    nPredict: 8,
    samplers: SAMPLERS,
    ...over,
  };
}

describe('completion against a real llama-server', function () {
  this.timeout(60_000);
  let server: LlamaServer | undefined;
  let client: ServerClient;

  before(async function () {
    server = await startLlamaOrSkip(this, { ctx: 4096, parallel: 1 });
    client = new ServerClient({ name: 'llama', kind: 'llamacpp', url: server.url }, { log: nullLogger });
  });
  after(async () => {
    await server?.stop();
  });

  it('/infill streams text, a stop reason and timings; the second request reuses the prompt cache', async () => {
    const backend = new InfillBackend(client);
    const a = await backend.complete(request());
    assert.equal(a.stop, 'limit');
    assert.equal(a.timings.generatedTokens, 8);
    assert.ok(a.text.length > 0);
    assert.ok(a.timings.totalPromptTokens! > 100, `prompt ${a.timings.totalPromptTokens}`);
    const b = await backend.complete(request({ input: { ...request().input, prompt: '  return v' } }));
    assert.ok(b.timings.cachedTokens! > 100, `cache_n ${b.timings.cachedTokens}`);
    assert.ok(b.timings.promptTokens! < 40, `prompt_n ${b.timings.promptTokens}`);
  });

  it('abort closes the stream and frees the only slot at once', async () => {
    const backend = new InfillBackend(client);
    const ctl = new AbortController();
    let chunks = 0;
    const long = backend.complete(
      request({
        nPredict: 3000,
        signal: ctl.signal,
        onText: () => {
          if (++chunks === 3) ctl.abort();
        },
      }),
    );
    await assert.rejects(long, (e: unknown) => isHearthError(e, 'aborted'));
    const t = Date.now();
    const next = await backend.complete(request({ nPredict: 4 }));
    assert.equal(next.timings.generatedTokens, 4);
    assert.ok(Date.now() - t < 5000, `the slot was still busy: ${Date.now() - t} ms`);
    // The server logs the cancellation from its own thread: give the line a moment to arrive.
    for (let i = 0; i < 40 && !/cancel/i.test(server!.log()); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(server!.log(), /cancel/i);
  });

  it('warm-up (n_predict 0) fills the cache for the next request', async () => {
    const backend = new InfillBackend(client);
    const extra = [{ filename: 'src/util.ts', text: 'export function util(x: number) {\n  return x * 2;\n}\n'.repeat(4) }];
    const t = await backend.warmup(
      request({ extra, input: { ...request().input, inputPrefix: `// warm\n${request().input.inputPrefix}` } }),
    );
    assert.ok(t.promptTokens! > 0);
    const after = await backend.complete(
      request({ extra, input: { ...request().input, inputPrefix: `// warm\n${request().input.inputPrefix}` } }),
    );
    assert.ok(after.timings.cachedTokens! > 100, `cache_n ${after.timings.cachedTokens}`);
  });

  it('/v1/completions with the Qwen template and its stop tokens', async () => {
    const res = await new OpenAICompletionsBackend(client).complete(request({ template: TEMPLATES.qwen }));
    assert.equal(res.stop, 'limit');
    assert.equal(res.timings.generatedTokens, 8);
    assert.ok(res.timings.totalPromptTokens! > 50);
  });

  it('the engine completes through /infill with extra context sized from /props', async () => {
    const props = await client.json<{ default_generation_settings: { n_ctx: number } }>('/props');
    const nCtx = props.default_generation_settings.n_ctx;
    const ring = new ExtraRing();
    ring.add('src/util.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n');
    const stats: CompletionStats[] = [];
    const engine = new CompletionEngine({
      backend: new InfillBackend(client),
      model: 'tiny',
      nCtx,
      ring,
      scheduler: { defaultDelayMs: 0 },
      onStats: (s) => stats.push(s),
      settings: { samplers: SAMPLERS, nPredict: 16, prefetch: false },
    });
    const doc = 'function add(a, b) {\n  return \n}\n';
    const out = await engine.complete(snapshotFromText(doc, 1, 9, { fileName: 'src/add.ts' }));
    assert.equal(out.error, undefined);
    const s = stats.find((x) => x.kind === 'completion')!;
    assert.ok(s.outcome === 'shown' || s.outcome === 'empty', s.outcome);
    assert.equal(s.generatedTokens, 16);
    assert.ok(s.promptTokens! > 0);
    engine.dispose();
  });
});

describe('slot affinity against a real llama-server with two slots', function () {
  this.timeout(60_000);
  let server: LlamaServer | undefined;
  let client: ServerClient;

  before(async function () {
    server = await startLlamaOrSkip(this, { ctx: 16384, parallel: 2 });
    client = new ServerClient({ name: 'llama', kind: 'llamacpp', url: server.url }, { log: nullLogger });
  });
  after(async () => {
    await server?.stop();
  });

  it('the request after a cancelled one asks for its slot and reuses what that one read', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `  const value${i} = compute(${i}, "a string to read");`).join('\n');
    const input = { ...request().input, inputPrefix: `function big() {\n${lines}\n` };
    const backend = new InfillBackend(client, new SlotAffinity(() => 2));
    const ctl = new AbortController();
    // Closed while the server reads the prompt: it finishes the batch, so the slot stays busy a while.
    const first = backend.complete(request({ input, signal: ctl.signal }));
    setTimeout(() => ctl.abort(), 50);
    await assert.rejects(first, (e: unknown) => isHearthError(e, 'aborted'));
    const next = await backend.complete(request({ input: { ...input, prompt: '  return v' } }));
    assert.ok(next.timings.cachedTokens! > 1000, `cache_n ${next.timings.cachedTokens} of ${next.timings.totalPromptTokens}`);
    assert.match(server!.log(), /selected slot by id \(1\)/);
  });
});
