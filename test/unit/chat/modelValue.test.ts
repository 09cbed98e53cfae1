// The composer's model list: a server named "pick" is a server like any other.
import assert from 'node:assert/strict';
import { modelValue, parseModelValue, SELECT_MODEL } from '../../../src/chat/webview/modelValue';

describe('chat composer model values', () => {
  it('takes a server named "pick" for a server, and only the entry for "Select Model…"', () => {
    assert.deepEqual(parseModelValue(modelValue({ server: 'pick', model: 'qwen.gguf' })), { server: 'pick', model: 'qwen.gguf' });
    assert.equal(parseModelValue(SELECT_MODEL), 'select');
    assert.deepEqual(parseModelValue(modelValue({ server: 'A', model: 'org/model:7b' })), { server: 'A', model: 'org/model:7b' });
  });

  it('means nothing for the "Automatic" entry', () => {
    assert.equal(parseModelValue(''), undefined);
    assert.equal(parseModelValue('pick\u0000'), undefined);
  });
});
