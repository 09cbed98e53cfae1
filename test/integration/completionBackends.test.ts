// Completion through the other backends in a real VS Code: Ollama's
// /api/generate (suffix for a model with the insert capability, a clear
// error for one without and no known template) and LM Studio's
// /v1/completions (the family template and its stop tokens; nothing sent
// when no template is known). The tooltip says which template is in use.
import * as assert from 'node:assert/strict';
import type { HearthApi } from '../../src/extension';
import { startLmStudio, startOllama, type FakeServer } from '../fakes';
import { FimFake, mountFim } from '../fakes/fimRoutes';
import { closeEditors, completes, editorSettings, nextProvide, openAt, resetCompletion, type, warmEditor } from './completionFixture';
import { hearth, useServer, waitFor } from './helpers';

const FUNC = 'def add(a, b):\n    |\n\nprint(add(1, 2))\n';

async function use(api: HearthApi, server: FakeServer, kind: string, model: string): Promise<void> {
  const name = `Completion ${kind}`;
  await editorSettings();
  await useServer(api, { name, kind, url: server.url }, 'completion', model);
  await waitFor(`the session for ${model}`, () => {
    const s = api.completion.session.state;
    return s.kind === 'ready' ? s.ref.model === model : s.ref?.model === model;
  });
  await warmEditor(api);
}

describe('completion: Ollama and OpenAI-compatible backends', function () {
  this.timeout(30_000);
  let server: FakeServer | undefined;
  let api: HearthApi;

  beforeEach(async () => {
    api = await hearth();
  });

  afterEach(async () => {
    await closeEditors();
    await resetCompletion(api);
    await server?.close();
    server = undefined;
  });

  it('Ollama: prompt + suffix for a model with insert; a clear error for one without a template', async () => {
    server = await startOllama();
    const fim = mountFim(
      server,
      new FimFake({
        generate: completes('return a + b'),
        ollamaModels: { 'qwen2.5-coder:7b-base-q4_K_M': ['completion', 'insert'], 'llama3.2:3b': ['completion', 'tools'] },
      }),
    );
    await use(api, server, 'ollama', 'qwen2.5-coder:7b-base-q4_K_M');
    await waitFor('the template description', () => {
      const s = api.completion.session.state;
      return s.kind === 'ready' && s.backend === 'Ollama /api/generate' && s.template.includes('insert capability');
    });
    await openAt(FUNC);
    // The whole answer (on a loaded machine its first words may be shown first, then the rest).
    const shown = nextProvide(api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
    await type('ret');
    assert.deepEqual((await shown).items, ['urn a + b']);
    const body = fim.records.find((r) => r.path === '/api/generate')!.body;
    assert.equal(body.stream, true);
    assert.equal(body.raw, undefined);
    assert.equal(typeof body.suffix, 'string');
    assert.equal(
      body.options && (body.options as Record<string, unknown>).num_ctx,
      undefined,
      'no num_ctx: Ollama must not reload the model',
    );
    assert.match(api.completion.status.tooltip(), /FIM template: the model's own template in Ollama/);

    await closeEditors();
    await use(api, server, 'ollama', 'llama3.2:3b');
    await openAt(FUNC);
    await type('ret');
    const error = await waitFor('the error', () => api.completion.status.lastError);
    assert.match(error.message, /cannot fill in the middle on Ollama.*no "insert" capability and no FIM template/);
    const notice = api.completion.status.notices.find((n) => n.kind === 'error:badRequest');
    assert.deepEqual(
      notice?.actions.map((a) => a.label),
      ['Open Settings', 'Select Completion Model'],
    );
  });

  it('LM Studio: /v1/completions with the family template; nothing sent without a known template', async () => {
    server = await startLmStudio();
    const fim = mountFim(server, new FimFake({ generate: completes('return a + b') }));
    await use(api, server, 'lmstudio', 'qwen2.5-coder-7b-instruct');
    const state = api.completion.session.state;
    assert.equal(state.kind === 'ready' && state.backend, 'LM Studio /v1/completions');
    assert.match(
      api.completion.status.tooltip(),
      /FIM template: Qwen2\.5-Coder \/ Qwen3-Coder \(detected from "qwen2\.5-coder-7b-instruct"; an instruct model/,
    );
    await openAt(FUNC);
    // The whole answer (on a loaded machine its first words may be shown first, then the rest).
    const shown = nextProvide(api, (r) => r.character === 7 && r.items[0] === 'urn a + b');
    await type('ret');
    assert.deepEqual((await shown).items, ['urn a + b']);
    // The request behind the shown suggestion: the last one. It may be one sent after "r" or "re"
    // whose answer agrees with what was typed since (the running request serves it).
    const body = fim.records.filter((r) => r.path === '/v1/completions').at(-1)!.body;
    assert.match(String(body.prompt), /<\|fim_prefix\|>[\s\S]*def add\(a, b\):\n {4}r(?:e|et)?<\|fim_suffix\|>/);
    assert.ok((body.stop as string[]).includes('<|fim_middle|>'));
    assert.equal(body.stream, true);

    await closeEditors();
    const before = fim.records.length;
    await use(api, server, 'lmstudio', 'meta-llama-3.1-8b-instruct');
    const off = api.completion.session.state;
    assert.ok(off.kind === 'off' && off.reason === 'noTemplate', 'no engine without a template');
    assert.match(api.completion.status.tooltip(), /No FIM template known for "meta-llama-3\.1-8b-instruct"/);
    assert.ok(
      api.completion.status.notices.some((n) => n.kind.startsWith('state:noTemplate')),
      'one notification with Open Settings',
    );
    await openAt(FUNC);
    const none = nextProvide(api, (r) => !!r.reason?.startsWith('No FIM template'));
    await type('r');
    await none;
    assert.equal(fim.records.length, before, 'nothing was sent');
  });
});
