// The host's reply pipeline without VS Code: the model choice, what the user is told about left-out
// context, and generate()'s retries against the fake chat server.
import assert from 'node:assert/strict';
import { resolveModel } from '../../../src/chat/models';
import { describeOmitted, generate } from '../../../src/chat/generate';
import type { ChatSettings } from '../../../src/chat/settings';
import type { BudgetTurn } from '../../../src/core/chat/budget';
import { ServerClient } from '../../../src/core/http';
import type { ServerConfig } from '../../../src/core/types';
import type { ServerStatus } from '../../../src/core/servers/types';
import { llamaContextExceeded, mountChat, startLlamaCpp, type FakeLlamaCpp } from '../../fakes';
import { memoryLogger } from '../core/helpers';

const status = (kind: ServerConfig['kind'], extra: Partial<ServerStatus> = {}): ServerStatus => ({
  server: { name: kind, kind, url: 'http://127.0.0.1:1' },
  state: 'ok',
  models: [{ id: 'm', server: kind, fim: false, contextLength: 32768 }],
  ...extra,
});

describe('chat host: models and budget words', () => {
  it('uses the chosen model, else the first loaded model of a reachable server', () => {
    const down = status('ollama', { state: 'error', models: [] });
    const lm = status('lmstudio', {
      models: [
        { id: 'a', server: 'lmstudio', fim: false, loaded: false },
        { id: 'b', server: 'lmstudio', fim: false, loaded: true },
      ],
    });
    assert.deepEqual(resolveModel([down, lm], undefined), { server: 'lmstudio', model: 'b' });
    assert.deepEqual(resolveModel([down, lm], { server: 'ollama', model: 'x' }), { server: 'ollama', model: 'x' });
    assert.equal(resolveModel([down], undefined), undefined);
  });

  it('says what was left out to fit', () => {
    assert.equal(describeOmitted({ turns: 0, attachments: [] }), undefined);
    assert.equal(
      describeOmitted({ turns: 3, attachments: ['big.ts', 'app.ts:1-9 (truncated)'] }),
      "Left out to fit the model's context: 3 older messages and attachment big.ts. Shortened to fit: app.ts:1-9.",
    );
  });
});

describe('chat host: generate', () => {
  let llama: FakeLlamaCpp;
  const settings: ChatSettings = {
    systemPrompt: 'Be brief.',
    params: { max_tokens: 256 },
    extraBody: { top_k: 20 },
    tools: 'auto',
    toolsDisabledFor: [],
  };
  const log = memoryLogger();
  beforeEach(async () => {
    llama = await startLlamaCpp();
  });
  afterEach(() => llama.close());

  const run = (notices: string[], turns: BudgetTurn[] = [{ role: 'user', content: 'hi' }]) =>
    generate({
      client: new ServerClient({ name: 'fake', kind: 'llamacpp', url: llama.url }, { log }),
      model: 'm',
      turns,
      contextLength: 4096,
      settings,
      signal: new AbortController().signal,
      log,
      retryBaseMs: 1,
      onPrompt: () => undefined,
      onDelta: () => undefined,
      onNotice: (t) => notices.push(t),
    });

  it('sends the system prompt, sampling and extra fields, and max_tokens within the budget', async () => {
    const routes = mountChat(llama);
    routes.script = { reply: 'hello' };
    const result = await run([]);
    assert.equal(result.content, 'hello');
    assert.deepEqual(routes.last.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(routes.last.max_tokens, 256);
    assert.equal(routes.last.top_k, 20);
  });

  it("trims and retries once on context exceeded, then gives up with the server's message", async () => {
    const routes = mountChat(llama);
    routes.script = { reply: 'fits now' };
    const long = Array.from({ length: 8 }, (_, i) => ({
      role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
      content: `turn ${i} ${'x'.repeat(3000)}`,
    }));
    llama.fault('POST', '/v1/chat/completions', { status: 400, body: llamaContextExceeded(5000, 2048), times: 1 });
    const notices: string[] = [];
    const ok = await run(notices, [...long, { role: 'user', content: 'last' }]);
    assert.equal(ok.content, 'fits now');
    assert.equal(notices.length, 1);
    assert.match(notices[0], /did not fit its context \(2,048 tokens\); sent again with less history/);
    const sent = llama.requestsTo('/v1/chat/completions').map((r) => (r.body as { messages: unknown[] }).messages.length);
    assert.ok(sent[1] < sent[0], `fewer messages the second time: ${sent.join(' → ')}`);

    llama.fault('POST', '/v1/chat/completions', { status: 400, body: llamaContextExceeded(5000, 2048), times: 2 });
    await assert.rejects(run([]), (err: Error & { code?: string }) => err.code === 'contextExceeded');
  });

  it('retries 429 and 503 before streaming, and says so', async () => {
    const routes = mountChat(llama);
    routes.script = { reply: 'ready' };
    llama.fault('POST', '/v1/chat/completions', { status: 503, message: 'Loading model', headers: { 'retry-after': '0' }, times: 1 });
    llama.fault('POST', '/v1/chat/completions', { status: 429, message: 'slow down', headers: { 'retry-after': '0' }, times: 1 });
    const notices: string[] = [];
    const result = await run(notices);
    assert.equal(result.content, 'ready');
    assert.equal(notices.length, 2);
  });
});
