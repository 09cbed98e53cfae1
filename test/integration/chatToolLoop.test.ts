// The chat's tool loop in the extension host against a fake llama.cpp whose
// template takes tools: calls streamed in pieces (several per turn, an
// object piece), a one-piece reply with calls, malformed arguments corrected
// once or failing twice, unknown tools and schema mismatches, the round
// limit, Stop in a stream and in a call, a server that refuses tools, the
// setting, the cards posted to the webview and kept in the history.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../src/core/chat/protocol';
import type { ChatMessage } from '../../src/core/chat/types';
import type { FakeToolTurn } from '../fakes';
import { chatFixture, resetChatSettings, workspaceFile, type ChatFixture } from './chatHelpers';
import { setUserSetting, waitFor } from './helpers';

let f: ChatFixture | undefined;

const call = (name: string, args: string | Record<string, unknown>) => ({ name, arguments: args });
const lastReply = (): ChatMessage => {
  const messages = f!.api.chat.controller.current.messages;
  return messages[messages.length - 1];
};
const toolPosts = () => f!.posts.filter((m): m is Extract<HostToWebview, { type: 'tool' }> => m.type === 'tool');
const bodies = () => f!.routes.requests.map((r) => r.body);

async function ask(text: string): Promise<ChatMessage> {
  await f!.api.chat.controller.send(text);
  await f!.api.chat.controller.idle();
  return lastReply();
}

async function withTools(turns: FakeToolTurn[], reply = 'The answer.', extra = {}): Promise<ChatFixture> {
  f = await chatFixture({ toolTurns: turns, reply, ...extra }, { tools: true });
  return f;
}

describe('chat tool loop', function () {
  this.timeout(60_000);
  afterEach(async () => {
    for (const uri of f?.api.tasks.proposals.open() ?? []) await f?.api.tasks.proposals.reject(uri);
    await f?.close();
    f = undefined;
    await resetChatSettings();
    await setUserSetting('chat.tools', undefined);
    await setUserSetting('chat.toolsDisabledFor', undefined);
  });

  it('runs several streamed calls of a turn (split arguments, an object piece), sends the results back, and answers', async () => {
    await withTools([
      {
        calls: [call('read_file', { path: 'src/format.ts', startLine: 1, endLine: 3 }), call('search_text', '{"query": "formatTotal"}')],
        objectPiece: true,
        pieces: 7,
      },
    ]);
    const reply = await ask('What does format.ts export?');
    assert.equal(reply.content, 'The answer.');
    assert.equal(reply.error, undefined);
    const calls = reply.toolRounds?.[0].calls ?? [];
    assert.deepEqual(
      calls.map((c) => [c.name, c.status]),
      [
        ['read_file', 'ok'],
        ['search_text', 'ok'],
      ],
    );
    assert.equal(calls[0].arguments, '{"path":"src/format.ts","startLine":1,"endLine":3}', 'the object piece is kept, serialized');

    const [first, second] = bodies();
    assert.deepEqual(
      first.tools.map((t: any) => t.function.name),
      ['read_file', 'list_dir', 'find_files', 'search_text', 'get_diagnostics', 'get_open_editors', 'get_selection', 'propose_edit'],
    );
    assert.equal(first.cache_prompt, true, 'llama.cpp is asked to reuse its cache');
    const tail = second.messages.slice(-3);
    assert.equal(tail[0].role, 'assistant');
    assert.deepEqual(
      tail[0].tool_calls.map((c: any) => [c.id, c.function.name, c.function.arguments]),
      calls.map((c) => [c.id, c.name, c.arguments]),
    );
    assert.equal(tail[1].role, 'tool');
    assert.equal(tail[1].tool_call_id, calls[0].id);
    assert.match(tail[1].content, /^src\/format\.ts, lines 1-3 of \d+:\nexport function clamp/);
    assert.match(tail[2].content, /^src\/format\.ts:5: export function formatTotal/m);
    assert.deepEqual(second.messages.slice(0, first.messages.length), first.messages, 'the first request is the prefix of the second');

    // One owner: start (with the message), then each card running → done, in order.
    const mine = f!.posts.filter((m) => 'messageId' in m && m.messageId === reply.id).map((m) => m.type);
    assert.equal(mine[0], 'start');
    assert.deepEqual(
      toolPosts().map((m) => [m.round, m.card.name, m.card.status]),
      [
        [1, 'read_file', 'running'],
        [1, 'read_file', 'ok'],
        [1, 'search_text', 'running'],
        [1, 'search_text', 'ok'],
      ],
    );
    assert.equal(mine[mine.length - 1], 'done');

    // The cards come back after a reload, without the results' text.
    const again = f!.api.chat.openAnotherController();
    try {
      await again.ready;
      const view = again.state().current?.messages.find((m) => m.id === reply.id);
      assert.deepEqual(
        view?.toolRounds?.[0].calls.map((c) => [c.name, c.status, c.summary]),
        calls.map((c) => [c.name, 'ok', c.summary]),
      );
      const saved = (await again.history.get(f!.api.chat.controller.current.id))?.messages.find((m) => m.id === reply.id);
      assert.equal(saved?.toolRounds?.[0].calls[0].result, tail[1].content, 'the history keeps what the model was sent');
    } finally {
      again.dispose();
    }

    // The next message sends the earlier turn byte for byte as before: the cache can reuse it.
    f!.routes.script.toolTurns = [];
    await ask('And then?');
    const third = bodies()[2];
    assert.deepEqual(third.messages.slice(0, second.messages.length), second.messages);
  });

  it('reads calls from a reply that was not streamed', async () => {
    await withTools([{ calls: [call('list_dir', { path: 'src' })] }], 'Listed.', { fault: 'jsonReply' });
    const reply = await ask('What is in src?');
    assert.equal(reply.toolRounds?.[0].calls[0].status, 'ok');
    assert.match(bodies()[1].messages.at(-1).content, /^src:\n/);
  });

  it('never runs a malformed call, nor the good calls of its turn; the model corrects itself once', async () => {
    await withTools([
      { calls: [call('get_open_editors', '{}'), call('read_file', '{"path": "src/format.ts"')] },
      { calls: [call('read_file', '{"path": "src/format.ts", "endLine": 1}')] },
    ]);
    const reply = await ask('Read it.');
    assert.equal(reply.error, undefined);
    const [bad, good] = reply.toolRounds ?? [];
    assert.deepEqual(
      bad.calls.map((c) => c.status),
      ['refused', 'refused'],
    );
    const results = bodies()[1].messages.slice(-2);
    assert.match(results[0].content, /^Not run: another call in the same turn was refused/);
    assert.match(
      results[1].content,
      /^Error: this call was not run: the arguments are not valid JSON .*"\{\\"path\\": \\"src\/format\.ts\\"" */,
    );
    assert.equal(good.calls[0].status, 'ok');
    assert.equal(reply.content, 'The answer.');
  });

  it('shows an error with the raw text when the model sends a bad call twice (unknown tool, then arguments against the schema)', async () => {
    await withTools([{ calls: [call('run_terminal', '{"cmd": "rm -rf /"}')] }, { calls: [call('read_file', '{"file": "a.ts"}')] }]);
    const reply = await ask('Do it.');
    assert.deepEqual(
      reply.toolRounds?.map((r) => r.calls[0].status),
      ['refused', 'refused'],
    );
    assert.match(bodies()[1].messages.at(-1).content, /there is no tool named "run_terminal" \(the tools are: read_file, /);
    assert.match(
      reply.error?.message ?? '',
      /^The model's call of "read_file" was refused: the arguments do not match the schema of read_file: .*lacks the required property "path".* It sent: "\{\\"file\\": \\"a\.ts\\"\}"/,
    );
    assert.equal(bodies().length, 2, 'no third request');
    assert.ok(f!.posts.some((m) => m.type === 'error' && m.messageId === reply.id));
  });

  it('stops after 8 rounds of calls and asks the model to answer with what it has', async () => {
    await withTools(
      Array.from({ length: 9 }, () => ({ calls: [call('get_open_editors', '{}')] })),
      'Enough.',
    );
    const reply = await ask('Loop.');
    assert.equal(reply.toolRounds?.length, 8);
    assert.equal(bodies().length, 9);
    assert.equal(bodies()[8].tool_choice, 'none');
    assert.equal(reply.content, 'Enough.');
    assert.ok(reply.notes?.some((n) => /used tools in 8 rounds, the limit/.test(n)));
  });

  it('Stop ends the loop in the middle of a streamed call', async () => {
    await withTools([{ calls: [call('read_file', '{"path": "src/format.ts"}')], pieces: 25, delayMs: 150 }]);
    const controller = f!.api.chat.controller;
    void controller.send('Read slowly.');
    await waitFor('the stream', () => f!.routes.requests.length === 1);
    await new Promise((r) => setTimeout(r, 400));
    await controller.stop();
    const reply = lastReply();
    assert.equal(reply.stopped, true);
    assert.equal(reply.toolRounds, undefined, 'no call ran');
    await waitFor('the server to see the client go', () => f!.routes.clientAborts === 1);
    assert.equal(f!.routes.requests.length, 1);
  });

  it('Stop ends the loop in the middle of a call (a proposed edit waiting for the user): the diff closes, nothing is written', async () => {
    const file = workspaceFile('src/loop-edit.ts');
    fs.writeFileSync(file.fsPath, 'export const x = 1;\n');
    try {
      await withTools([{ calls: [call('propose_edit', { path: 'src/loop-edit.ts', old_text: 'x = 1', new_text: 'x = 2' })] }]);
      const controller = f!.api.chat.controller;
      void controller.send('Change x.');
      await waitFor('the diff', () => f!.api.tasks.proposals.open().length === 1);
      await controller.stop();
      const reply = lastReply();
      assert.equal(reply.stopped, true);
      assert.deepEqual(
        reply.toolRounds?.[0].calls.map((c) => [c.name, c.status]),
        [['propose_edit', 'stopped']],
      );
      assert.deepEqual(f!.api.tasks.proposals.open(), []);
      assert.equal((await vscode.workspace.openTextDocument(file)).getText(), 'export const x = 1;\n');
      assert.equal(f!.routes.requests.length, 1, 'nothing sent after Stop');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file.fsPath, { force: true });
    }
  });

  it('answers without tools when the server refuses them, and remembers it', async () => {
    await withTools([], 'Plain.', { refuseTools: 'llamacppNoJinja' });
    const reply = await ask('Hi');
    assert.equal(reply.content, 'Plain.');
    assert.ok(reply.notes?.some((n) => /does not take tool calls on this server; answering without tools/.test(n)));
    assert.deepEqual(
      bodies().map((b) => Array.isArray(b.tools)),
      [true, false],
    );
    await ask('Again');
    assert.equal(bodies()[2].tools, undefined, 'not offered again');
    f!.api.chat.toolSupport.reset();
  });

  it('offers no tools when the setting is off, for a listed model, or when the template has none', async () => {
    await withTools([]);
    await setUserSetting('chat.tools', 'off');
    await ask('One');
    await setUserSetting('chat.tools', undefined);
    await setUserSetting('chat.toolsDisabledFor', ['Chat fake']);
    await ask('Two');
    await setUserSetting('chat.toolsDisabledFor', undefined);
    await ask('Three');
    assert.deepEqual(
      bodies().map((b) => Array.isArray(b.tools)),
      [false, false, true],
    );
    await f!.close();
    f = await chatFixture({ reply: 'No tools here.' });
    await ask('Four');
    assert.equal(bodies()[0].tools, undefined, "/props says the model's template takes no tools");
  });
});
