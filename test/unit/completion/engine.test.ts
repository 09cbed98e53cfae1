import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/http';
import { nullLogger } from '../../../src/core/types';
import { snapshotFromText } from '../../../src/core/completion/excerpt';
import { CompletionEngine, type EngineOptions } from '../../../src/core/completion/engine';
import { InfillBackend } from '../../../src/core/completion/infill';
import { OllamaBackend } from '../../../src/core/completion/ollama';
import { ExtraRing } from '../../../src/core/completion/ring';
import type { CompletionStats } from '../../../src/core/completion/stats';
import { TEMPLATES } from '../../../src/core/completion/templates';
import { type FimFakeOptions, type RunningFake, startFimServer } from '../../fakes/fimRoutes';

const DOC = 'function add(a, b) {\n  return \n}\n';
const at = (text: string, line: number, ch: number) =>
  snapshotFromText(text, line, ch, { fileName: 'src/add.ts', languageId: 'typescript' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('completion/engine against a fake /infill server', function () {
  this.timeout(10000);
  let srv: RunningFake;
  let engine: CompletionEngine;
  let stats: CompletionStats[];

  async function setup(fake: Partial<FimFakeOptions> = {}, opts: Partial<EngineOptions> = {}) {
    srv = await startFimServer(fake);
    stats = [];
    const client = new ServerClient({ name: 'fake', kind: 'llamacpp', url: srv.url }, { log: nullLogger });
    engine = new CompletionEngine({
      backend: new InfillBackend(client),
      model: 'qwen2.5-coder-1.5b',
      nCtx: 8192,
      scheduler: { defaultDelayMs: 0 },
      onStats: (s) => stats.push(s),
      ...opts,
      settings: { prefetch: false, samplers: ['top_k', 'top_p'], ...opts.settings },
    });
  }
  afterEach(async () => {
    engine?.dispose();
    await srv?.close();
  });

  it('returns a post-processed suggestion with per-request stats', async () => {
    await setup({ generate: () => 'a + b;\n}\nmore()' });
    const out = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(out.suggestion, { text: 'a + b;', source: 'server' });
    await engine.idle();
    const s = stats.find((x) => x.outcome === 'shown')!;
    assert.equal(s.kind, 'completion');
    assert.equal(s.backend, 'infill');
    assert.ok(s.promptTokens! > 0 && s.generatedTokens! > 0);
    assert.equal(s.cachedTokens, 0);
    assert.equal(typeof s.promptMs, 'number');
    assert.equal(s.fromCache, false);
    assert.equal(s.lines, 1);
    assert.ok(s.overheadMs! >= 0);
    assert.equal(engine.totals.shown, 1);
  });

  it('answers the same position from the cache, and typed-through without a request', async () => {
    await setup({ generate: () => 'a + b;' });
    await engine.complete(at(DOC, 1, 9));
    const again = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(again.suggestion, { text: 'a + b;', source: 'cache' });
    const typed = await engine.complete(at('function add(a, b) {\n  return a \n}\n', 1, 11));
    assert.deepEqual(typed.suggestion, { text: '+ b;', source: 'typed' });
    assert.equal(srv.fake.records.length, 1);
    assert.equal(engine.totals.cacheHits, 1);
    assert.equal(engine.totals.typedThrough, 1);
  });

  it('a trigger elsewhere cancels the flight at once while it generates; never two connections open', async () => {
    await setup({ genMsPerToken: 15, generate: () => 'x'.repeat(200) });
    const lines = (n: number) => `function f() {\n  let v = ${'y'.repeat(n)}\n}\n`;
    const first = engine.complete(at(lines(3), 1, 13));
    await sleep(150);
    const second = engine.complete(at(lines(1), 1, 11));
    assert.match((await first).reason ?? '', /Replaced/);
    assert.ok((await second).suggestion);
    await engine.idle();
    const recs = srv.fake.records;
    assert.deepEqual(
      recs.map((r) => r.aborted),
      [true, false],
    );
    assert.ok(recs[1].started >= recs[0].goneAt! - 5, 'the second request waited for the first to close');
    assert.equal(stats.filter((s) => s.outcome === 'aborted').length, 1);
    assert.ok(engine.totals.discardedTokens > 0);
  });

  it('typing that agrees with the streaming answer joins its flight: one request serves both', async () => {
    await setup(
      { genMsPerToken: 25, charsPerToken: 1, generate: (i) => (i.prefix.endsWith('return ') ? 'a + b;\n' : 'nope') },
      { settings: { partialAfterMs: 5000 } },
    );
    const first = engine.complete(at(DOC, 1, 9));
    await sleep(60);
    const typed = await engine.complete(at('function add(a, b) {\n  return a \n}\n', 1, 11));
    assert.deepEqual(typed.suggestion, { text: '+ b;', source: 'typed' });
    await first;
    await engine.idle();
    assert.equal(srv.fake.records.length, 1);
  });

  it('typing that disagrees cancels the flight and asks again for the new position', async () => {
    await setup(
      {
        genMsPerToken: 25,
        charsPerToken: 1,
        generate: (i) => (i.prefix.endsWith('return ') ? 'a + b;\n' : i.prefix.endsWith('return x') ? ' * 2;\n' : '?'),
      },
      { settings: { partialAfterMs: 5000 } },
    );
    void engine.complete(at(DOC, 1, 9));
    await sleep(60);
    const other = await engine.complete(at('function add(a, b) {\n  return x\n}\n', 1, 10));
    assert.deepEqual(other.suggestion, { text: ' * 2;', source: 'server' });
    await engine.idle();
    assert.deepEqual(
      srv.fake.records.map((r) => r.aborted),
      [true, false],
    );
  });

  it('a flight no trigger watches any more is cancelled as soon as its text disagrees with what was typed since', async () => {
    await setup(
      { promptMsPerToken: 20, genMsPerToken: 25, charsPerToken: 1, generate: () => 'a + b + c + d + e + f + g + h;\n' },
      { settings: { partialAfterMs: 5000 } },
    );
    // The editor asks at "return ", then at "return x" before the first token, and gives up on both.
    const first = new AbortController();
    const out1 = engine.complete(at(DOC, 1, 9), first.signal);
    while (srv.fake.records.length === 0) await sleep(2);
    first.abort();
    const second = new AbortController();
    const out2 = engine.complete(at('function add(a, b) {\n  return x\n}\n', 1, 10), second.signal);
    await sleep(5);
    second.abort();
    await Promise.all([out1, out2]);
    const flight = engine.scheduler.current;
    assert.ok(flight?.live && !flight.text, 'still reading the prompt when both triggers gave up');
    await engine.idle();
    assert.equal(flight.cancelReason, 'the answer disagrees with what was typed');
    assert.equal(flight.text, 'a', 'closed at its first token');
    while (srv.fake.records[0].ended === undefined) await sleep(5);
    assert.equal(srv.fake.records.length, 1, 'the second trigger joined the first flight ("" agrees with "x")');
    assert.equal(srv.fake.records[0].aborted, true, 'the server stopped generating');
  });

  it('the editor giving up on a trigger does not cancel its flight: the answer waits in the cache', async () => {
    await setup({ genMsPerToken: 10, generate: () => 'a + b;' });
    const ctl = new AbortController();
    const out = engine.complete(at(DOC, 1, 9), ctl.signal);
    await sleep(5);
    ctl.abort();
    assert.match((await out).reason ?? '', /still/);
    await engine.idle();
    const again = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(again.suggestion, { text: 'a + b;', source: 'cache' });
    assert.equal(srv.fake.records.length, 1);
    assert.equal(srv.fake.records[0].aborted, false);
  });

  it('shows the first line while the rest streams, then says the suggestion grew', async () => {
    await setup({ genMsPerToken: 20, charsPerToken: 1, generate: () => 'one();\n  two();\n  three();' });
    const improved: unknown[] = [];
    engine.onDidImprove((at) => improved.push(at));
    const out = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(out.suggestion, { text: 'one();', source: 'server' });
    assert.equal(srv.fake.records[0].ended, undefined, 'the answer was still streaming');
    await engine.idle();
    assert.deepEqual(improved, [{ fileName: 'src/add.ts', line: 1, character: 9 }]);
    const full = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(full.suggestion, { text: 'one();\n  two();\n  three();', source: 'cache' });
  });

  it('on llama.cpp a request cancelled while the prompt is read is held until its first token', async () => {
    const body = Array.from({ length: 120 }, (_, i) => `  const v${i} = compute(${i});`).join('\n');
    await setup({ promptMsPerToken: 0.5, genMsPerToken: 5, generate: () => 'done;'.repeat(40) }, { holdUntilFirstToken: true });
    const first = engine.complete(at(`function big() {\n${body}\n  return \n}\n`, 121, 9));
    await sleep(100);
    const moved = engine.complete(at(DOC, 1, 9));
    assert.match((await first).reason ?? '', /Replaced/);
    assert.ok((await moved).suggestion);
    await engine.idle();
    const [a, b] = srv.fake.records;
    assert.equal(a.aborted, true);
    assert.ok(a.promptTokens > 500, `the server read the whole first prompt (${a.promptTokens} tokens)`);
    assert.ok(engine.speed.promptMsPerToken !== undefined, 'a request closed at its first token still tells the prompt speed');
    assert.ok(
      b.started >= a.goneAt! - 5 && a.goneAt! >= a.started + a.promptTokens * 0.5 - 5,
      'the second request went when the server was free',
    );
  });

  it('debounces quick triggers into one request', async () => {
    await setup({}, { scheduler: { defaultDelayMs: 60 } });
    const outs = [engine.complete(at(DOC, 1, 9)), engine.complete(at('function add(a, b) {\n  return a\n}\n', 1, 10))];
    const [a, b] = await Promise.all(outs);
    assert.match(a.reason ?? '', /Replaced/);
    assert.ok(b.suggestion);
    assert.equal(srv.fake.records.length, 1);
  });

  it('skips with a reason when a request makes no sense', async () => {
    await setup();
    const sel = await engine.complete({ ...at(DOC, 1, 9), hasSelection: true });
    assert.match(sel.reason ?? '', /selected/);
    const mid = await engine.complete(at('foo bar', 0, 3));
    assert.match(mid.reason ?? '', /middle of text/);
    assert.equal(srv.fake.records.length, 0);
    assert.equal(engine.totals.skipped, 2);
  });

  it('typing on a line reuses the server prompt cache (cache_n grows, prompt_n stays small)', async () => {
    const body = Array.from({ length: 200 }, (_, i) => `  const v${i} = compute(${i});`).join('\n');
    await setup({ generate: () => ';' });
    const doc = (typed: string) => `function big() {\n${body}\n  return ${typed}\n}\n`;
    await engine.complete(at(doc(''), 201, 9));
    await engine.complete(at(doc('v'), 201, 10));
    await engine.complete(at(doc('v1'), 201, 11));
    const recs = srv.fake.records;
    assert.equal(recs.length, 3);
    assert.ok(recs[2].cachedTokens > recs[2].promptTokens * 5, `cached ${recs[2].cachedTokens} vs evaluated ${recs[2].promptTokens}`);
  });

  it('prefetches the suggestion that follows accepting one', async () => {
    await setup({ generate: (i) => (i.prefix.endsWith('return ') ? 'a + b;' : '// done') }, { settings: { prefetch: true } });
    await engine.complete(at(DOC, 1, 9));
    await engine.idle();
    await sleep(50);
    assert.equal(srv.fake.records.length, 1, 'no prefetch for a suggestion only shown');
    engine.accepted();
    await sleep(10);
    await engine.idle();
    assert.equal(srv.fake.records.length, 2, 'one prefetch request after the accept');
    const next = await engine.complete(at('function add(a, b) {\n  return a + b;\n}\n', 1, 15));
    assert.deepEqual(next.suggestion, { text: '// done', source: 'cache' });
    assert.equal(srv.fake.records.length, 2);
    assert.ok(stats.some((s) => s.kind === 'prefetch' && s.outcome === 'stored'));
    assert.equal(engine.totals.accepted, 1);
  });

  it('warms the prompt cache up (n_predict 0) when the ring changed and the user is idle', async () => {
    const ring = new ExtraRing();
    await setup({ generate: () => 'a + b;' }, { ring, settings: { warmupIdleMs: 80 } });
    await engine.complete(at(DOC, 1, 9));
    ring.add('src/util.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n');
    engine.ringChanged();
    await sleep(250);
    const warm = srv.fake.records.filter((r) => r.body.n_predict === 0);
    assert.equal(warm.length, 1);
    assert.deepEqual(warm[0].body.input_extra, [
      { filename: 'src/util.ts', text: 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n' },
    ]);
    engine.noteActivity();
    await sleep(250);
    assert.equal(srv.fake.records.filter((r) => r.body.n_predict === 0).length, 1, 'no second warm-up without a ring change');
    assert.equal(engine.totals.warmups, 1);
  });

  it('reports server errors with a classified HearthError', async () => {
    await setup({ infill: false });
    const out = await engine.complete(at(DOC, 1, 9));
    assert.equal(out.error?.code, 'notFound');
    assert.equal(stats.at(-1)?.outcome, 'error');
  });

  it('retries once when the connection closes before any answer', async () => {
    let calls = 0;
    await setup({ generate: () => 'a + b;', fault: (path) => (path === '/infill' && calls++ === 0 ? { kind: 'reset' } : undefined) });
    const out = await engine.complete(at(DOC, 1, 9));
    assert.deepEqual(out.suggestion, { text: 'a + b;', source: 'server' });
    assert.equal(calls, 2);
    assert.equal(engine.totals.errors, 0);
  });

  it('derives t_max_predict_ms from the measured speed', async () => {
    await setup({ genMsPerToken: 2, generate: () => 'abcdefghijklmnopqrstuvwxyz' });
    await engine.complete(at(DOC, 1, 9));
    assert.equal(srv.fake.records[0].body.t_max_predict_ms, undefined, 'no cut before any measurement');
    await engine.complete(at('function add(a, b) {\n  return x\n}\n', 1, 10));
    const budget = srv.fake.records[1].body.t_max_predict_ms as number;
    assert.ok(budget >= 1000 && budget <= 20000, String(budget));
  });
});

describe('completion/engine with Ollama', function () {
  this.timeout(10000);
  it('uses the family template with raw: true for a model without insert', async () => {
    const srv = await startFimServer({
      ollamaModels: { 'deepseek-coder:1.3b-base': ['completion'] },
      generate: () => 'a + b;<｜end▁of▁sentence｜>',
    });
    try {
      const client = new ServerClient({ name: 'o', kind: 'ollama', url: srv.url }, { log: nullLogger });
      const engine = new CompletionEngine({
        backend: new OllamaBackend(client),
        model: 'deepseek-coder:1.3b-base',
        template: TEMPLATES.deepseek,
        scheduler: { defaultDelayMs: 0 },
        settings: { prefetch: false },
      });
      const out = await engine.complete(at(DOC, 1, 9));
      assert.deepEqual(out.suggestion, { text: 'a + b;', source: 'server' });
      const gen = srv.fake.records.find((r) => r.path === '/api/generate')!;
      assert.equal(gen.body.raw, true);
      assert.ok(String(gen.body.prompt).startsWith('<｜fim▁begin｜>function add'));
      engine.dispose();
    } finally {
      await srv.close();
    }
  });
});
