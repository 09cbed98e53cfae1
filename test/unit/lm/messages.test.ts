import assert from 'node:assert/strict';
import { messageText, toOllamaMessages, toOpenAIMessages, lmToolSpecs, type LmMessage } from '../../../src/core/lm/messages';

const conversation: LmMessage[] = [
  { role: 'system', parts: [{ kind: 'text', text: 'Be brief.' }] },
  {
    role: 'user',
    parts: [
      { kind: 'text', text: 'What is here?' },
      { kind: 'image', mimeType: 'image/png', base64: 'iVBORw0KGgo=' },
    ],
  },
  {
    role: 'assistant',
    parts: [
      { kind: 'text', text: 'Let me look.' },
      { kind: 'toolCall', callId: 'call_1', name: 'read_file', input: { path: 'a.ts' } },
    ],
  },
  {
    role: 'user',
    parts: [
      { kind: 'toolResult', callId: 'call_1', text: 'export const a = 1;' },
      { kind: 'text', text: 'And now?' },
    ],
  },
];

describe('lm/messages', () => {
  it("maps VS Code's text, images, tool calls and tool results to OpenAI messages, results right after the calls", () => {
    assert.deepEqual(toOpenAIMessages(conversation), [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is here?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'export const a = 1;' },
      { role: 'user', content: 'And now?' },
    ]);
  });

  it('sends no empty user message after tool results alone, and null content with calls alone', () => {
    const out = toOpenAIMessages([
      { role: 'assistant', parts: [{ kind: 'toolCall', callId: 'c', name: 'f', input: {} }] },
      { role: 'user', parts: [{ kind: 'toolResult', callId: 'c', text: 'ok' }] },
    ]);
    assert.deepEqual(out, [
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c', content: 'ok' },
    ]);
  });

  it("maps to Ollama's /api/chat: images beside the text, arguments as objects, results named after their tool", () => {
    assert.deepEqual(toOllamaMessages(conversation), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is here?', images: ['iVBORw0KGgo='] },
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ function: { name: 'read_file', arguments: { path: 'a.ts' } } }] },
      { role: 'tool', content: 'export const a = 1;', tool_name: 'read_file' },
      { role: 'user', content: 'And now?' },
    ]);
  });

  it("takes VS Code's tools as tool specs; a tool without a schema takes an empty object", () => {
    assert.deepEqual(lmToolSpecs(undefined), []);
    assert.deepEqual(
      lmToolSpecs([{ name: 'read_file', description: 'Reads a file', inputSchema: { type: 'object', required: ['path'] } }]),
      [{ name: 'read_file', description: 'Reads a file', parameters: { type: 'object', required: ['path'] } }],
    );
    assert.deepEqual(lmToolSpecs([{ name: 'now', description: 'The time' }])[0].parameters, { type: 'object', properties: {} });
  });

  it('gives the text of a message for an estimate', () => {
    assert.equal(messageText(conversation[2]), 'Let me look.\nread_file({"path":"a.ts"})');
  });
});
