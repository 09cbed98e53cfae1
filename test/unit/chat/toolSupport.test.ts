import assert from 'node:assert/strict';
import { ToolSupport } from '../../../src/chat/toolSupport';
import { errorFromResponse, HearthError } from '../../../src/core/errors';

const ref = { server: 'llama', model: 'qwen' };
const on = { tools: 'auto' as const, toolsDisabledFor: [] };

describe('chat/toolSupport', () => {
  it('offers tools unless the setting, the per-server/model list or the server says no', () => {
    const s = new ToolSupport();
    assert.deepEqual(s.decide(ref, undefined, on), { offer: true }, 'unknown: tried');
    assert.deepEqual(s.decide(ref, { id: 'qwen', server: 'llama', fim: false, tools: true }, on), { offer: true });
    assert.equal(s.decide(ref, { id: 'qwen', server: 'llama', fim: false, tools: false }, on).offer, false);
    assert.equal(s.decide(ref, undefined, { ...on, tools: 'off' }).offer, false);
    assert.equal(s.decide(ref, undefined, { ...on, toolsDisabledFor: ['llama'] }).offer, false);
    assert.equal(s.decide(ref, undefined, { ...on, toolsDisabledFor: ['llama/qwen'] }).offer, false);
    assert.equal(s.decide(ref, undefined, { ...on, toolsDisabledFor: ['llama/other'] }).offer, true);
  });

  it("remembers a server's refusal of tools, and only that", () => {
    const s = new ToolSupport();
    const ctx = { model: 'qwen', path: '/v1/chat/completions' };
    const busy = errorFromResponse(503, JSON.stringify({ error: { code: 503, message: 'Loading model' } }), ctx);
    assert.equal(s.noteRefusal(ref, busy), false);
    assert.equal(s.noteRefusal(ref, new HearthError('malformed', 'no tools here')), false, 'not an HTTP refusal');
    const other = errorFromResponse(500, JSON.stringify({ error: { code: 500, message: 'slot 0 failed to decode' } }), ctx);
    assert.equal(s.noteRefusal(ref, other), false);
    assert.equal(s.decide(ref, undefined, on).offer, true);
    const jinja = errorFromResponse(500, JSON.stringify({ error: { code: 500, message: 'tools param requires --jinja flag' } }), ctx);
    assert.equal(s.noteRefusal(ref, jinja), true);
    assert.match((s.decide(ref, undefined, on) as { why: string }).why, /refused tools earlier: .*--jinja/);
    assert.equal(s.decide({ ...ref, model: 'other' }, undefined, on).offer, true, 'per model');
    s.reset();
    assert.equal(s.decide(ref, undefined, on).offer, true);
  });
});
