import assert from 'node:assert/strict';
import { stripThink, ThinkSplitter } from '../../../src/core/chat/think';

function feed(chunks: string[]) {
  const s = new ThinkSplitter();
  let content = '';
  let reasoning = '';
  for (const c of chunks) {
    const out = c.startsWith('R:') ? s.pushReasoning(c.slice(2)) : s.push(c);
    content += out.content;
    reasoning += out.reasoning;
  }
  const end = s.finish();
  content += end.content;
  reasoning += end.reasoning;
  return { content, reasoning, end, result: s.result() };
}

describe('chat/think', () => {
  it('splits a <think> block from the answer', () => {
    const r = feed(['<think>plan it</think>\n\nThe answer.']);
    assert.equal(r.reasoning, 'plan it');
    assert.equal(r.content, 'The answer.');
  });

  it('handles tags split at every position across chunks', () => {
    const text = 'x<think>a b c</think>Answer <b>bold</b> done';
    for (let cut = 1; cut < text.length; cut++) {
      for (let cut2 = cut + 1; cut2 <= text.length; cut2 += 3) {
        const r = feed([text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)]);
        assert.equal(r.reasoning, 'a b c', `cuts ${cut},${cut2}`);
        assert.equal(r.content, 'xAnswer <b>bold</b> done', `cuts ${cut},${cut2}`);
      }
    }
  });

  it('streams one character at a time', () => {
    const r = feed([...'<think>hmm</think>ok']);
    assert.deepEqual([r.reasoning, r.content], ['hmm', 'ok']);
  });

  it('never holds back text that cannot be a tag', () => {
    const s = new ThinkSplitter();
    assert.equal(s.push('a < b').content, 'a < b');
    assert.equal(s.push(' and <th').content, ' and ');
    assert.equal(s.push('ere').content, '<there');
  });

  it('keeps an unterminated think block as reasoning', () => {
    const r = feed(['<think>still thinking', ' when stopped']);
    assert.equal(r.reasoning, 'still thinking when stopped');
    assert.equal(r.content, '');
  });

  it('flushes a held partial tag at the end as text', () => {
    const r = feed(['value <thi']);
    assert.equal(r.content, 'value <thi');
  });

  it('passes reasoning_content deltas through as reasoning', () => {
    const r = feed(['R:first ', 'R:second', 'Answer']);
    assert.equal(r.reasoning, 'first second');
    assert.equal(r.content, 'Answer');
  });

  it('reclassifies text before an orphan </think> (template opened the block) as reasoning', () => {
    const r = feed(['I should greet', ' them.</think>\n\nHello!']);
    assert.equal(r.end.reclassified, true);
    assert.equal(r.result.reasoning, 'I should greet them.');
    assert.equal(r.result.content, 'Hello!');
    assert.ok(!r.content.includes('</think>'));
  });

  it('strips think blocks from stored text', () => {
    assert.equal(stripThink('<think>secret plan</think>\nVisible'), 'Visible');
    assert.equal(stripThink('No tags here'), 'No tags here');
  });
});
