import assert from 'node:assert/strict';
import {
  hostMessageTypes,
  parseHostMessage,
  parseWebviewMessage,
  webviewMessageTypes,
  type ChatState,
  type HostToWebview,
  type WebviewToHost,
} from '../../../src/core/chat/protocol';

const state: ChatState = {
  conversations: [{ id: 'c1', title: 'Hello', created: 1, updated: 2, messageCount: 2, model: { server: 's', model: 'm' } }],
  current: {
    id: 'c1',
    title: 'Hello',
    messages: [
      {
        id: 'u1',
        role: 'user',
        content: 'Hi',
        attachments: [{ id: 'x', kind: 'selection', label: 'a.ts:1-2', detail: 'src/a.ts lines 1-2' }],
      },
      {
        id: 'a1',
        role: 'assistant',
        content: 'Hello',
        reasoning: 'greet',
        stats: { model: 'm', promptTokens: 3, completionTokens: 1, tokensPerSecond: 10, stopped: false },
      },
      { id: 'a2', role: 'assistant', content: '', error: { message: 'boom', actions: [{ id: 'retry', label: 'Retry' }] } },
      {
        id: 'a4',
        role: 'assistant',
        content: 'It is 42.',
        toolRounds: [{ content: '', calls: [{ id: 'c', name: 'read_file', arguments: '{}', status: 'ok', summary: '3 lines', ms: 4 }] }],
      },
    ],
  },
  draft: 'typing',
  models: [{ server: 's', model: 'm', label: 'm', detail: 'llama.cpp' }],
  selectedModel: { server: 's', model: 'm' },
  attachments: [],
  includeCurrentFile: true,
  includeProblems: false,
  busy: false,
  problem: 'Hearth could not save this chat (the disk is full).',
};

const hostSamples: HostToWebview[] = [
  { type: 'state', state },
  { type: 'start', messageId: 'a3', message: { id: 'a3', role: 'assistant', content: '' } },
  { type: 'tool', messageId: 'a3', round: 1, card: { id: 'c1', name: 'read_file', arguments: '{"path":"a"}', status: 'running' } },
  {
    type: 'tool',
    messageId: 'a3',
    round: 2,
    card: { id: 'c2', name: 'nope', arguments: '{bad', status: 'refused', summary: 'not run: bad call', ms: 0 },
  },
  { type: 'delta', messageId: 'a3', content: 'He' },
  { type: 'delta', messageId: 'a3', reasoning: 'hm' },
  { type: 'done', messageId: 'a3', stats: { model: 'm', stopped: true }, content: 'He' },
  { type: 'done', messageId: 'a3', stats: { model: 'm', stopped: false }, content: 'He', reasoning: 'hm' },
  { type: 'notice', messageId: 'a3', text: 'Retried with less history.' },
  { type: 'error', message: 'No server', actions: [] },
  { type: 'draft', text: 'a message that could not be saved' },
  { type: 'focus' },
];

const webviewSamples: WebviewToHost[] = [
  { type: 'ready' },
  { type: 'send', text: 'hi', attachmentIds: ['a', 'b'] },
  { type: 'stop' },
  { type: 'regenerate', messageId: 'a1' },
  { type: 'editResend', messageId: 'u1', text: 'new' },
  { type: 'newChat' },
  { type: 'switchConversation', id: 'c1' },
  { type: 'deleteConversation', id: 'c1' },
  { type: 'exportConversation', id: 'c1' },
  { type: 'copy', text: 'x' },
  { type: 'insertCode', code: 'x', language: 'ts' },
  { type: 'insertCode', code: 'x' },
  { type: 'openInNewFile', code: 'x', language: 'py' },
  { type: 'removeAttachment', id: 'x' },
  { type: 'toggleCurrentFile', on: false },
  { type: 'toggleProblems', on: true },
  { type: 'pickFile' },
  { type: 'openLink', url: 'https://example.com' },
  { type: 'draftChanged', text: '' },
  { type: 'selectModel', server: 's', model: 'm' },
  { type: 'action', id: 'retry', messageId: 'a2' },
];

describe('chat/protocol', () => {
  it('accepts every valid host message, with a sample for each type', () => {
    for (const m of hostSamples) assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(m))), m, m.type);
    assert.deepEqual(new Set(hostSamples.map((m) => m.type)), new Set(hostMessageTypes));
  });

  it('accepts every valid webview message, with a sample for each type', () => {
    for (const m of webviewSamples) assert.deepEqual(parseWebviewMessage(JSON.parse(JSON.stringify(m))), m, m.type);
    assert.deepEqual(new Set(webviewSamples.map((m) => m.type)), new Set(webviewMessageTypes));
  });

  it('rejects unknown types, non-objects and missing or mistyped fields', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'ready',
      42,
      [],
      {},
      { type: 'nope' },
      { type: 'toString' },
      { type: '__proto__' },
      { type: 'send', text: 'x' },
      { type: 'send', text: 'x', attachmentIds: [1] },
      { type: 'toggleProblems', on: 'yes' },
      { type: 'insertCode', code: 5 },
      { type: 'selectModel', server: 's' },
      { type: 'openLink' },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
    assert.equal(parseHostMessage({ type: 'delta', messageId: 1 }), undefined);
    assert.equal(parseHostMessage({ type: 'start', messageId: 'a' }), undefined, 'start carries the message');
    const card = { id: 'c', name: 'read_file', arguments: '{}', status: 'ok' };
    assert.equal(parseHostMessage({ type: 'tool', messageId: 'a', round: 1, card: { ...card, status: 'exploded' } }), undefined);
    assert.equal(parseHostMessage({ type: 'tool', messageId: 'a', round: 1, card: { ...card, arguments: {} } }), undefined);
    assert.equal(parseHostMessage({ type: 'tool', messageId: 'a', card }), undefined);
    assert.equal(parseHostMessage({ type: 'state', state: { ...state, busy: 'no' } }), undefined);
    assert.equal(
      parseHostMessage({
        type: 'state',
        state: { ...state, current: { id: 'c', title: 't', messages: [{ id: 'm', role: 'system', content: '' }] } },
      }),
      undefined,
    );
    assert.equal(
      parseHostMessage({ type: 'done', messageId: 'a', stats: { model: 'm', stopped: false, tokensPerSecond: Number.NaN }, content: '' }),
      undefined,
    );
    assert.equal(
      parseHostMessage({ type: 'done', messageId: 'a', stats: { model: 'm', stopped: false } }),
      undefined,
      'done carries the final content',
    );
    assert.equal(parseHostMessage({ type: 'ready' }), undefined, 'a webview message is not a host message');
  });

  it('ignores extra fields', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'stop', extra: 1 }), { type: 'stop', extra: 1 });
  });
});
