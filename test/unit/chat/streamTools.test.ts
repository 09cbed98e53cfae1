import assert from 'node:assert/strict';
import { ServerClient } from '../../../src/core/http';
import { streamChat, type StreamChatOptions } from '../../../src/core/chat/stream';
import { checkToolCalls, type ToolSpec } from '../../../src/core/chat/toolCalls';
import { ChatRoutes, startChatServer, type ChatScript, type ChatServer } from '../../fakes/chatRoutes';
import { memoryLogger } from '../core/helpers';

const TOOLS: ToolSpec[] = [
  {
    name: 'read_file',
    description: 'Read',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
  },
];

describe('chat/stream with tool calls against fake servers', () => {
  let server: ChatServer;
  const routes = new ChatRoutes();
  before(async () => {
    server = await startChatServer(routes);
  });
  after(() => server.close());

  async function run(script: ChatScript, extra: Partial<StreamChatOptions> = {}, kind: 'llamacpp' | 'ollama' = 'llamacpp') {
    routes.script = script;
    const c = new ServerClient({ name: 'fake', kind, url: server.url }, { log: memoryLogger() });
    const transport = kind === 'ollama' ? { ollama: { client: c } } : { openai: c.openai() };
    const result = await streamChat({
      ...transport,
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: TOOLS,
      toolChoice: 'auto',
      cachePrompt: kind === 'llamacpp',
      onDelta: () => undefined,
      ...extra,
    });
    return { result, body: routes.last };
  }

  it('assembles streamed calls and sends tools, tool_choice and cache_prompt', async () => {
    const { result, body } = await run({
      toolTurns: [
        {
          calls: [
            { name: 'read_file', arguments: '{"path": "a.ts"}', id: 'x1' },
            { name: 'read_file', arguments: '{"path": "b.ts"}', id: 'x2' },
          ],
          pieces: 5,
        },
      ],
    });
    assert.equal(result.finishReason, 'tool_calls');
    assert.deepEqual(result.toolCalls, [
      { index: 0, id: 'x1', name: 'read_file', arguments: '{"path": "a.ts"}' },
      { index: 1, id: 'x2', name: 'read_file', arguments: '{"path": "b.ts"}' },
    ]);
    assert.deepEqual(body.tools, [{ type: 'function', function: TOOLS[0] }]);
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.cache_prompt, true);
    assert.equal(result.error, undefined);
  });

  it('reads calls from a server that ignored stream: true, and from Ollama (object arguments), the same way', async () => {
    const turn = { calls: [{ name: 'read_file', arguments: '{"path":"a.ts"}', id: 'j' }] };
    const json = await run({ toolTurns: [turn], fault: 'jsonReply' });
    assert.deepEqual(json.result.toolCalls, [{ index: 0, id: 'j', name: 'read_file', arguments: '{"path":"a.ts"}' }]);

    const ollama = await run(
      { flavor: 'ollama', toolTurns: [{ calls: [{ name: 'read_file', arguments: { path: 'a.ts' } }] }] },
      {},
      'ollama',
    );
    assert.deepEqual(ollama.result.toolCalls, [{ index: 0, id: 'call_0', name: 'read_file', arguments: '{"path":"a.ts"}' }]);
    assert.deepEqual(ollama.body.tools, [{ type: 'function', function: TOOLS[0] }]);
    assert.equal(checkToolCalls(ollama.result.toolCalls, TOOLS).ok, true);
  });

  it('sends tool calls and results back to Ollama in its own shape', async () => {
    const { body } = await run(
      { flavor: 'ollama', reply: 'ok' },
      {
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } }],
          },
          { role: 'tool', tool_call_id: 'c', content: 'text of a' },
        ],
      },
      'ollama',
    );
    assert.deepEqual(body.messages.slice(1), [
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'read_file', arguments: { path: 'a' } } }] },
      { role: 'tool', content: 'text of a', tool_name: 'read_file' },
    ]);
  });

  it('keeps malformed arguments as they came, for the check to refuse', async () => {
    const { result } = await run({ toolTurns: [{ calls: [{ name: 'read_file', arguments: '{"path": "a.ts"' }], noIds: true }] });
    assert.deepEqual(result.toolCalls, [{ index: 0, id: 'call_0', name: 'read_file', arguments: '{"path": "a.ts"' }]);
    const turn = checkToolCalls(result.toolCalls, TOOLS);
    assert.equal(turn.ok, false);
  });
});
