// Tool calls through Hearth's models in VS Code's own chat (VS Code 1.104
// and later; skipped with the reason on older ones), against a fake
// llama.cpp that streams calls the way llama-server does: a call arrives as
// a LanguageModelToolCallPart with its arguments parsed; malformed arguments
// or a tool that was not offered fail the reply loudly (never `{}`); the
// tools, the calls and their results go to the server in OpenAI's format.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ChatRoutes, mountChat, startLlamaCpp, type ChatScript, type FakeLlamaCpp } from '../fakes';
import { resetChatSettings } from './chatHelpers';
import { hearth, requiresApi, setUserSetting, waitFor } from './helpers';
import { hearthModel } from './lmHelpers';

const SERVER = 'Tool fake';
const READ_FILE: vscode.LanguageModelChatTool = {
  name: 'read_file',
  description: 'Reads a file of the workspace.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
};

interface Reply {
  text: string;
  calls: vscode.LanguageModelToolCallPart[];
  error?: Error;
}

async function ask(model: vscode.LanguageModelChat, messages: vscode.LanguageModelChatMessage[]): Promise<Reply> {
  const reply: Reply = { text: '', calls: [] };
  try {
    const response = await model.sendRequest(messages, { tools: [READ_FILE] });
    for await (const part of response.stream) {
      if (part instanceof vscode.LanguageModelTextPart) reply.text += part.value;
      else if (part instanceof vscode.LanguageModelToolCallPart) reply.calls.push(part);
    }
  } catch (error) {
    reply.error = error as Error;
  }
  return reply;
}

describe('VS Code chat: tool calls from a fake llama.cpp', function () {
  this.timeout(60_000);
  let llama: FakeLlamaCpp | undefined;
  let routes: ChatRoutes;
  let model: vscode.LanguageModelChat;

  before(async function () {
    requiresApi(this, 'lm.registerLanguageModelChatProvider');
    const api = await hearth();
    // A template that renders tools (chat_template_caps.supports_tools in /props).
    llama = await startLlamaCpp({ model: '/models/tools-q8_0.gguf', nCtx: 8192, tools: true });
    routes = mountChat(llama, new ChatRoutes());
    await setUserSetting('servers', [{ name: SERVER, kind: 'llamacpp', url: llama.url }]);
    await waitFor('the server', () => api.registry.servers().some((s) => s.name === SERVER));
    await api.registry.refresh({ force: true });
    model = await hearthModel(SERVER);
  });

  after(async () => {
    await llama?.close();
    await resetChatSettings();
  });

  function script(s: ChatScript): void {
    routes.script = { flavor: 'llamacpp', reply: '', ...s };
  }

  it('a streamed call arrives as a LanguageModelToolCallPart with its arguments parsed; the tools went in OpenAI format', async () => {
    script({ reply: 'Reading it.', toolCalls: [{ id: 'call-17', name: 'read_file', arguments: '{"path": "src/app.ts"}' }] });
    const reply = await ask(model, [vscode.LanguageModelChatMessage.User('What is in src/app.ts?')]);
    assert.equal(reply.error, undefined, reply.error?.message);
    assert.equal(reply.text, 'Reading it.');
    assert.equal(reply.calls.length, 1);
    assert.deepEqual([reply.calls[0].callId, reply.calls[0].name, reply.calls[0].input], ['call-17', 'read_file', { path: 'src/app.ts' }]);
    const body = routes.last;
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'read_file', description: READ_FILE.description, parameters: READ_FILE.inputSchema } },
    ]);
  });

  it('sends the call and its result back in OpenAI format', async () => {
    script({ reply: 'It exports an app.' });
    const reply = await ask(model, [
      vscode.LanguageModelChatMessage.User('What is in src/app.ts?'),
      vscode.LanguageModelChatMessage.Assistant([new vscode.LanguageModelToolCallPart('call-17', 'read_file', { path: 'src/app.ts' })]),
      vscode.LanguageModelChatMessage.User([
        new vscode.LanguageModelToolResultPart('call-17', [new vscode.LanguageModelTextPart('export const app = 1;')]),
      ]),
    ]);
    assert.equal(reply.error, undefined, reply.error?.message);
    assert.equal(reply.text, 'It exports an app.');
    assert.deepEqual(routes.last.messages, [
      { role: 'user', content: 'What is in src/app.ts?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call-17', type: 'function', function: { name: 'read_file', arguments: '{"path":"src/app.ts"}' } }],
      },
      { role: 'tool', tool_call_id: 'call-17', content: 'export const app = 1;' },
    ]);
  });

  it('malformed arguments fail the reply with a LanguageModelError that quotes them, never {}', async () => {
    script({ toolCalls: [{ name: 'read_file', arguments: '{"path": "src/app.ts"' }] });
    const reply = await ask(model, [vscode.LanguageModelChatMessage.User('Read src/app.ts')]);
    assert.equal(reply.calls.length, 0, 'no call reported');
    assert.ok(reply.error instanceof vscode.LanguageModelError, `a LanguageModelError, not ${String(reply.error)}`);
    assert.equal(reply.error.code, 'malformed');
    assert.match(reply.error.message, /"read_file" was refused: the arguments are not valid JSON/);
    assert.match(reply.error.message, /\{\\"path\\": \\"src\/app\.ts\\"/, 'the raw arguments are quoted');
  });

  it('arguments the schema refuses, or a tool that was not offered, fail the reply too', async () => {
    script({ toolCalls: [{ name: 'read_file', arguments: '{"file": "a.ts"}' }] });
    const bad = await ask(model, [vscode.LanguageModelChatMessage.User('Read a.ts')]);
    assert.match(bad.error?.message ?? '', /do not match the schema of read_file/);
    script({ toolCalls: [{ name: 'delete_everything', arguments: '{}' }] });
    const unknown = await ask(model, [vscode.LanguageModelChatMessage.User('Clean up')]);
    assert.match(unknown.error?.message ?? '', /there is no tool named "delete_everything" \(the tools are: read_file\)/);
    assert.equal(unknown.calls.length, 0);
  });
});
