// The sidebar chat's host side in a real VS Code against a fake llama.cpp:
// streaming into the view (observed as the messages the host posts to the
// webview), stop, regenerate, edit-and-resend, reasoning, retries, inline
// errors and history that survives a new controller.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { HostToWebview } from '../../src/core/chat/protocol';
import { llamaContextExceeded } from '../fakes';
import { chatFixture, resetChatSettings, type ChatFixture } from './chatHelpers';
import { setUserSetting, waitFor } from './helpers';

const REPLY = 'Here is the answer.\n\n```ts\nconst x = 1;\n```\n\nDone.';

function lastOf<T extends HostToWebview['type']>(posts: HostToWebview[], type: T): Extract<HostToWebview, { type: T }> | undefined {
  return [...posts].reverse().find((m): m is Extract<HostToWebview, { type: T }> => m.type === type);
}

describe('chat: streaming and control', function () {
  this.timeout(30_000);
  let f: ChatFixture | undefined;

  afterEach(async () => {
    await f?.close();
    f = undefined;
    await resetChatSettings();
  });

  it('streams a reply into the view, with stats, and saves it', async () => {
    f = await chatFixture({ reply: REPLY, chunks: 12, delayMs: 10 });
    const c = f.api.chat.controller;
    await c.send('Hello there');
    const start = lastOf(f.posts, 'start');
    assert.ok(start, 'a start message was posted');
    const deltas = f.deltas(start.messageId);
    assert.ok(deltas.length >= 3, `the reply arrived in several updates (${deltas.length})`);
    assert.equal(deltas.map((d) => d.content ?? '').join(''), REPLY);
    const done = lastOf(f.posts, 'done');
    assert.equal(done?.messageId, start.messageId);
    assert.equal(done?.content, REPLY);
    assert.equal(done?.stats.model, '/models/fake.gguf', 'the model name from the stream');
    assert.ok((done?.stats.completionTokens ?? 0) > 0 && (done?.stats.promptTokens ?? 0) > 0, 'token counts from usage');
    assert.ok(done?.stats.tokensPerSecond !== undefined);
    const order = f.posts.map((m) => m.type).filter((t) => t !== 'state');
    assert.equal(order[0], 'start');
    assert.equal(order[order.length - 1], 'done');

    const body = f.routes.last;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.messages[0].role, 'system');
    assert.deepEqual(body.messages[body.messages.length - 1], { role: 'user', content: 'Hello there' });
    assert.equal(typeof body.max_tokens, 'number');

    const conv = await f.api.chat.history.get(c.current.id);
    assert.equal(conv?.title, 'Hello there');
    assert.deepEqual(
      conv?.messages.map((m) => [m.role, m.content]),
      [
        ['user', 'Hello there'],
        ['assistant', REPLY],
      ],
    );
    const state = lastOf(f.posts, 'state')?.state;
    assert.equal(state?.busy, false);
    assert.equal(state?.current?.messages[1].stats?.completionTokens, done?.stats.completionTokens);
  });

  it('sends the sampling settings and extra body, and no usage request when a server turns it off', async () => {
    await setUserSetting('chat.temperature', 0.2);
    await setUserSetting('chat.maxTokens', 99);
    await setUserSetting('chat.extraBody', { top_k: 5, min_p: 0.1, stream: false });
    await setUserSetting('chat.systemPrompt', '');
    f = await chatFixture({ reply: 'ok' });
    await setUserSetting('servers', [{ name: 'Chat fake', kind: 'llamacpp', url: f.llama.url, streamUsage: false }]);
    await waitFor('streamUsage off', () => f!.api.registry.servers().some((s) => s.streamUsage === false));
    await f.api.chat.controller.send('params?');
    const body = f.routes.last;
    assert.equal(body.temperature, 0.2);
    assert.equal(body.max_tokens, 99);
    assert.equal(body.top_k, 5);
    assert.equal(body.min_p, 0.1);
    assert.equal(body.stream, true, 'extra body cannot turn streaming off');
    assert.equal(body.stream_options, undefined);
    assert.equal(body.messages[0].role, 'user', 'an empty system prompt sends none');
  });

  it('stops mid-stream: partial text stays, marked stopped, and the connection is closed', async () => {
    f = await chatFixture({ reply: 'word '.repeat(200), chunks: 200, delayMs: 20 });
    const c = f.api.chat.controller;
    const sending = c.send('Tell me a long story');
    await waitFor('a few deltas', () => f!.deltas().length >= 3);
    assert.equal(c.busy, true);
    // A state built mid-reply (e.g. for a view that just reloaded) holds exactly what was streamed so far.
    assert.equal(
      c.state().current?.messages[1].content,
      f
        .deltas()
        .map((d) => d.content ?? '')
        .join(''),
    );
    await c.send('a second message while busy');
    assert.equal(c.current.messages.length, 2, 'Send is ignored while a reply streams');
    await c.handle({ type: 'stop' });
    await sending;
    const done = lastOf(f.posts, 'done');
    assert.equal(done?.stats.stopped, true);
    const reply = c.current.messages[1];
    assert.equal(reply.stopped, true);
    assert.ok(reply.content.length > 0 && reply.content.length < 1000, `partial text kept (${reply.content.length} chars)`);
    await waitFor('the server to see the client go away', () => f!.routes.clientAborts === 1, 2000);
    assert.equal(c.busy, false);
  });

  it('regenerates the last reply and edits-and-resends from an earlier message', async () => {
    f = await chatFixture({ reply: 'first answer' });
    const c = f.api.chat.controller;
    await c.send('one');
    f.routes.script = { reply: 'second answer' };
    await c.send('two');
    assert.equal(c.current.messages.length, 4);

    const lastReply = c.current.messages[3];
    f.routes.script = { reply: 'second answer, again' };
    await c.handle({ type: 'regenerate', messageId: lastReply.id });
    assert.equal(c.current.messages.length, 4);
    assert.notEqual(c.current.messages[3].id, lastReply.id);
    assert.equal(c.current.messages[3].content, 'second answer, again');
    const regenerated = f.routes.last.messages.map((m: { content: string }) => m.content);
    assert.ok(!regenerated.includes('second answer'), 'the replaced reply is not sent');

    const firstUser = c.current.messages[0];
    f.routes.script = { reply: 'edited answer' };
    await c.handle({ type: 'editResend', messageId: firstUser.id, text: 'one, edited' });
    assert.deepEqual(
      c.current.messages.map((m) => m.content),
      ['one, edited', 'edited answer'],
    );
    assert.deepEqual(f.routes.last.messages.slice(1), [{ role: 'user', content: 'one, edited' }]);
    assert.equal(c.current.title, 'one, edited');
  });

  it('shows reasoning in its own block and never sends it back', async () => {
    f = await chatFixture({ reply: 'The answer is 4.', reasoning: 'two plus two is four', reasoningStyle: 'think' });
    const c = f.api.chat.controller;
    await c.send('2+2?');
    const done = lastOf(f.posts, 'done');
    assert.equal(done?.content, 'The answer is 4.');
    assert.equal(done?.reasoning, 'two plus two is four');
    assert.ok(
      f.deltas().some((d) => d.reasoning),
      'reasoning streamed as reasoning',
    );
    f.routes.script = { reply: 'ok' };
    await c.send('and 3+3?');
    const sent = JSON.stringify(f.routes.last.messages);
    assert.ok(!sent.includes('two plus two'), 'reasoning is not sent back');
    assert.ok(sent.includes('The answer is 4.'));
  });

  it('trims and retries once when the server says the context is exceeded, telling the user', async () => {
    f = await chatFixture({ reply: 'short' });
    const c = f.api.chat.controller;
    for (let i = 0; i < 3; i++) await c.send(`question ${i} ${'padding '.repeat(300)}`);
    const before = f.routes.requests.length;
    const chatRequests = () => f!.llama.requestsTo('/v1/chat/completions');
    f.llama.fault('POST', '/v1/chat/completions', { status: 400, body: llamaContextExceeded(3000, 1024), times: 1 });
    await c.send('final question');
    const notice = f.posts.find((m) => m.type === 'notice' && /did not fit/.test(m.text));
    assert.ok(notice, 'the user is told');
    assert.equal(f.routes.requests.length, before + 1, 'one retry reached the chat route');
    const all = chatRequests();
    const rejected = (all[all.length - 2].body as { messages: unknown[] }).messages;
    const retried = f.routes.last.messages as { content: string }[];
    assert.ok(retried.length < rejected.length, `older turns were left out (${rejected.length} → ${retried.length} messages)`);
    assert.equal(retried[retried.length - 1].content, 'final question');
    const reply = c.current.messages[c.current.messages.length - 1];
    assert.equal(reply.content, 'short');
    assert.ok(reply.notes?.some((n) => /did not fit/.test(n)));
  });

  it('retries while the model is loading (503) before streaming', async () => {
    f = await chatFixture({ reply: 'loaded now' });
    f.llama.fault('POST', '/v1/chat/completions', { status: 503, message: 'Loading model', headers: { 'retry-after': '0' }, times: 1 });
    await f.api.chat.controller.send('are you there?');
    const reply = f.api.chat.controller.current.messages[1];
    assert.equal(reply.content, 'loaded now');
    assert.equal(reply.error, undefined);
  });

  it('shows a failure inline with actions, keeps the message, and Retry replaces the failed reply', async () => {
    f = await chatFixture({ reply: 'recovered' });
    const c = f.api.chat.controller;
    f.llama.fault('POST', '/v1/chat/completions', { status: 500, message: 'boom', times: 1 });
    await c.send('will this fail?');
    const error = lastOf(f.posts, 'error');
    assert.match(error?.message ?? '', /llama\.cpp at .* failed with an internal error \(500\): boom/);
    assert.deepEqual(
      error?.actions.map((a) => a.label),
      ['Retry', 'Show Log'],
    );
    const failed = c.current.messages[1];
    assert.equal(c.current.messages[0].content, 'will this fail?');
    assert.ok(failed.error);
    await c.handle({ type: 'action', id: 'retry', messageId: failed.id });
    assert.equal(c.current.messages.length, 2);
    assert.equal(c.current.messages[1].content, 'recovered');
    assert.equal(c.current.messages[1].error, undefined);
  });

  it('says so inline when the stream breaks off, keeping the partial reply', async () => {
    f = await chatFixture({ reply: 'partial '.repeat(20), chunks: 20, fault: 'cutOff', faultAfter: 5 });
    const c = f.api.chat.controller;
    await c.send('go');
    const reply = c.current.messages[1];
    assert.ok(reply.content.startsWith('partial'));
    assert.match(reply.error?.message ?? '', /closed the connection in the middle of its answer/);
  });

  it('keeps conversations and the draft in global storage for a new controller', async () => {
    f = await chatFixture({ reply: 'remembered' });
    const api = f.api;
    const c = api.chat.controller;
    await c.send('Remember me');
    const id = c.current.id;
    await c.handle({ type: 'draftChanged', text: 'half-typed thought' });
    await new Promise((r) => setTimeout(r, 400)); // the draft is saved after a short pause
    await api.chat.history.flush();
    assert.match(api.chat.storageDir.fsPath, /globalStorage/);
    assert.ok(fs.existsSync(`${api.chat.storageDir.fsPath}/${id}.json`));

    const again = api.chat.openAnotherController();
    try {
      await again.ready;
      const state = again.state();
      assert.equal(state.current?.id, id);
      assert.ok(state.conversations.some((s) => s.id === id && s.title === 'Remember me'));
      assert.deepEqual(
        state.current?.messages.map((m) => m.content),
        ['Remember me', 'remembered'],
      );
      assert.equal(state.draft, 'half-typed thought');
    } finally {
      again.dispose();
    }

    // Switching away and back, deleting: the list follows.
    await c.newChat();
    assert.notEqual(c.current.id, id);
    await c.switchTo(id);
    assert.equal(c.current.id, id);
    api.chat.ui.confirm = async () => true;
    await c.deleteConversation(id);
    assert.ok(!api.chat.history.list().some((s) => s.id === id));
    assert.ok(!fs.existsSync(`${api.chat.storageDir.fsPath}/${id}.json`));
  });
});
