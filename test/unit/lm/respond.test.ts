// One reply for VS Code's chat (src/lm/respond.ts has no vscode import):
// text and checked tool calls from llama.cpp's stream and Ollama's
// /api/chat, malformed calls refused loudly, a loading model waited for,
// reasoning left out, and a stop that closes the stream.
import assert from 'node:assert/strict';
import { CHAT_DEFAULTS, type ChatSettings } from '../../../src/chat/settings';
import type { CheckedToolCall } from '../../../src/core/chat/toolCalls';
import { ServerClient } from '../../../src/core/http';
import type { LmMessage, LmTool } from '../../../src/core/lm/messages';
import { respond, samplingFor } from '../../../src/lm/respond';
import { ChatRoutes, FakeLlamaCpp, FakeOllama, mountChat, type ChatScript } from '../../fakes';
import { configFor, memoryLogger, useFakes } from '../core/helpers';

const settings: ChatSettings = {
  systemPrompt: CHAT_DEFAULTS['chat.systemPrompt'],
  params: { max_tokens: 2048 },
  extraBody: { top_k: 20 },
  tools: 'auto',
  toolsDisabledFor: [],
};
const tools: LmTool[] = [
  {
    name: 'read_file',
    description: 'Reads a file',
    inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];
const question: LmMessage[] = [{ role: 'user', parts: [{ kind: 'text', text: 'What is in a.ts?' }] }];

describe('lm/respond', () => {
  const start = useFakes();

  async function run(kind: 'llamacpp' | 'ollama', script: ChatScript, extra: { signal?: AbortSignal } = {}) {
    const fake = kind === 'ollama' ? await start(new FakeOllama()) : await start(new FakeLlamaCpp());
    const routes = mountChat(fake, new ChatRoutes({ flavor: kind, ...script }));
    const client = new ServerClient(configFor(fake, kind), { log: memoryLogger() });
    const text: string[] = [];
    const calls: CheckedToolCall[] = [];
    const outcome = respond({
      client,
      model: kind === 'ollama' ? 'llama3.2:3b' : 'm',
      messages: question,
      maxTokens: 512,
      tools,
      settings,
      signal: extra.signal ?? new AbortController().signal,
      log: memoryLogger(),
      retryBaseMs: 10,
      onText: (t) => text.push(t),
      onToolCall: (c) => calls.push(c),
    });
    return { outcome, text, calls, routes };
  }

  it("streams text and the checked tool calls from llama.cpp's stream; the tools and settings go with the request", async () => {
    const r = await run('llamacpp', {
      reply: 'Let me read it.',
      reasoning: 'The user wants a file.',
      toolCalls: [
        { id: 'c1', name: 'read_file', arguments: '{"path":"a.ts"}' },
        { id: 'c2', name: 'read_file', arguments: '{"path":"b.ts"}' },
      ],
    });
    assert.deepEqual(await r.outcome, { stopped: false });
    assert.equal(r.text.join(''), 'Let me read it.', 'reasoning is left out');
    assert.deepEqual(
      r.calls.map((c) => [c.id, c.name, c.args]),
      [
        ['c1', 'read_file', { path: 'a.ts' }],
        ['c2', 'read_file', { path: 'b.ts' }],
      ],
    );
    const body = r.routes.last;
    assert.equal(body.tools[0].function.name, 'read_file');
    assert.equal(body.tool_choice, undefined, 'auto unless VS Code requires a call');
    assert.equal(body.max_tokens, 512);
    assert.equal(body.top_k, 20, "the chat's extra body fields");
  });

  it("reads Ollama's whole calls (arguments as objects) from /api/chat", async () => {
    const r = await run('ollama', { reply: '', toolCalls: [{ name: 'read_file', arguments: '{"path":"a.ts"}' }] });
    await r.outcome;
    assert.deepEqual(
      r.calls.map((c) => [c.name, c.args]),
      [['read_file', { path: 'a.ts' }]],
    );
    assert.match(r.calls[0].id, /^hearth_/, 'an id of its own when the server sends none');
    assert.equal(r.routes.requests.at(-1)?.path, '/api/chat');
  });

  it('refuses malformed arguments, arguments against the schema and unknown tools: an error, never {}', async () => {
    for (const [args, name, problem] of [
      ['{"path": "a.ts"', 'read_file', /the arguments are not valid JSON/],
      ['{"file": "a.ts"}', 'read_file', /do not match the schema of read_file/],
      ['', 'read_file', /the arguments are empty/],
      ['{}', 'rm_rf', /there is no tool named "rm_rf"/],
    ] as const) {
      const r = await run('llamacpp', { reply: '', toolCalls: [{ name, arguments: args }] });
      await assert.rejects(r.outcome, (err: Error & { code?: string }) => err.code === 'malformed' && problem.test(err.message));
      assert.equal(r.calls.length, 0, `no call reported for ${JSON.stringify(args)}`);
    }
  });

  it('says when a reply cut at the token limit left a call unfinished', async () => {
    const r = await run('llamacpp', { reply: '', finishReason: 'length', toolCalls: [{ name: 'read_file', arguments: '{"path":"a.t' }] });
    await assert.rejects(r.outcome, /the reply was cut off at the token limit/);
  });

  it('waits while the model loads, then streams', async () => {
    const r = await run('llamacpp', { reply: 'Loaded.', fault: 'unavailable', retryAfter: 0 });
    setTimeout(() => (r.routes.script = { flavor: 'llamacpp', reply: 'Loaded.' }), 50);
    await r.outcome;
    assert.equal(r.text.join(''), 'Loaded.');
    assert.ok(r.routes.requests.length >= 2);
  });

  it('stops when aborted, closing the stream', async () => {
    const abort = new AbortController();
    const r = await run('llamacpp', { reply: 'x'.repeat(400), chunks: 100, delayMs: 10 }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 60);
    assert.deepEqual(await r.outcome, { stopped: true });
    assert.ok(r.text.join('').length < 400);
  });

  it("takes the caller's sampling options, never a reply longer than the model's output share", () => {
    assert.deepEqual(samplingFor(settings, 512, { temperature: 0.2, max_tokens: 100_000 }), {
      temperature: 0.2,
      top_p: undefined,
      max_tokens: 512,
    });
    assert.deepEqual(samplingFor({ ...settings, params: { temperature: 0.7, top_p: 0.9 } }, 512, { temperature: 'hot' }), {
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 512,
    });
  });
});
