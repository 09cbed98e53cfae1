import assert from 'node:assert/strict';
import { ReplyAssembler, type ReplyDelta } from '../../../src/core/chat/reply';
import { memoryLogger } from '../core/helpers';

function assembler() {
  const deltas: ReplyDelta[] = [];
  let t = 0;
  const log = memoryLogger();
  const reply = new ReplyAssembler(
    'asked',
    { model: 'asked' },
    log,
    (d) => deltas.push(d),
    () => (t += 100),
  );
  return { reply, deltas, log };
}

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }], ...extra });

describe('chat/reply', () => {
  it('counts cached prompt tokens from llama.cpp timings and prefers usage when both come', () => {
    const { reply } = assembler();
    reply.data(chunk({ content: 'a' }));
    reply.data(
      JSON.stringify({
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        timings: { cache_n: 90, prompt_n: 10, predicted_n: 1, predicted_per_second: 42.42 },
      }),
    );
    reply.data('[DONE]');
    const r = reply.result(false);
    assert.equal(r.stats.promptTokens, 100);
    assert.equal(r.stats.tokensPerSecond, 42.4);
    assert.equal(reply.finishReason, 'stop');
    assert.equal(reply.done, true);

    const b = assembler().reply;
    b.data(JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 }, timings: { prompt_n: 2, predicted_n: 3 } }));
    assert.equal(b.result(false).stats.promptTokens, 7);
  });

  it('ignores OpenAI `usage: null` and empty role chunks, takes the model from chunks', () => {
    const { reply, deltas } = assembler();
    reply.data(JSON.stringify({ model: 'served-name', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }], usage: null }));
    reply.data(chunk({ content: 'Hi' }, { usage: null }));
    assert.deepEqual(deltas, [{ content: 'Hi' }]);
    assert.equal(reply.result(false).stats.model, 'served-name');
    assert.equal(reply.result(false).stats.promptTokens, undefined);
  });

  it('measures the rate between the first and the last token when nobody reports it', () => {
    const { reply } = assembler();
    for (let i = 0; i < 11; i++) reply.data(chunk({ content: 'x' }));
    // 11 tokens, 100 ms apart: 10 intervals in 1 s.
    assert.equal(reply.result(false).stats.tokensPerSecond, 10);
    assert.equal(reply.result(false).stats.completionTokens, 11);
  });

  it('turns error events, plain or JSON, into HearthErrors', () => {
    const a = assembler().reply;
    a.errorEvent('{"code":503,"message":"Loading model","type":"unavailable_error"}');
    assert.equal(a.error?.code, 'loading');
    const b = assembler().reply;
    b.errorEvent('something broke');
    assert.equal(b.error?.code, 'server');
    assert.match(b.error?.message ?? '', /something broke/);
    const c = assembler().reply;
    c.data(JSON.stringify({ error: { message: 'model "x" not found, try pulling it first', type: 'api_error', param: null, code: null } }));
    assert.equal(c.error?.code, 'server');
    assert.match(c.error?.message ?? '', /not found/);
  });

  it('skips payloads that are not JSON objects', () => {
    const { reply, log } = assembler();
    reply.data('[1, 2]');
    reply.data('{oops');
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 2);
    assert.equal(reply.error, undefined);
  });
});
