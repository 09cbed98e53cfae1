import assert from 'node:assert/strict';
import { buildPrompt, estimateTokens, trimHarder, type BudgetTurn } from '../../../src/core/chat/budget';
import type { Attachment } from '../../../src/core/chat/types';

/** One token per character: makes the arithmetic easy to follow. */
const count = (t: string) => t.length;

function history(pairs: number, size = 100): BudgetTurn[] {
  const turns: BudgetTurn[] = [];
  for (let i = 0; i < pairs; i++) {
    turns.push({ role: 'user', content: `q${i} `.padEnd(size, 'x') });
    turns.push({ role: 'assistant', content: `a${i} `.padEnd(size, 'y') });
  }
  return turns;
}

const bigFile = (id: string, chars: number): Attachment => ({
  id,
  kind: 'file',
  path: `src/${id}.ts`,
  language: 'typescript',
  text: Array.from({ length: Math.ceil(chars / 20) }, (_, i) => `// line ${i}`.padEnd(19, '.')).join('\n'),
});

describe('chat/budget', () => {
  it('estimates conservatively: about a token per 3 ASCII characters, one per other character', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcdef'), 2);
    assert.equal(estimateTokens('日本語'), 3);
    assert.ok(estimateTokens('function add(a, b) { return a + b; }') >= 36 / 3.5);
  });

  it('sends everything when it fits, system first and the new message last', () => {
    const turns = [...history(2), { role: 'user' as const, content: 'now?' }];
    const r = buildPrompt({ system: 'Be brief.', turns, contextLength: 4096, maxTokens: 512, count });
    assert.deepEqual(
      r.messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'user', 'assistant', 'user'],
    );
    assert.equal(r.messages[5].content, 'now?');
    assert.deepEqual(r.omitted, { turns: 0, attachments: [] });
    assert.equal(r.fits, true);
    assert.equal(r.replyTokens, 512);
  });

  it('drops the oldest history first and never leaves a gap', () => {
    const turns = [...history(10), { role: 'user' as const, content: 'last' }];
    // 1000 - 200 reply - 20 margin = 780 available; each turn 100 + 8.
    const r = buildPrompt({ system: 'S', turns, contextLength: 1000, maxTokens: 200, count });
    const sent = r.messages.slice(1, -1).map((m) => m.content.slice(0, 3).trim());
    assert.deepEqual(sent, ['q7', 'a7', 'q8', 'a8', 'q9', 'a9']);
    assert.equal(r.omitted.turns, 14);
    assert.ok(r.promptTokens <= 780);
  });

  it('starts the history with a user turn', () => {
    const turns = [...history(3), { role: 'user' as const, content: 'last' }];
    // Room for 3 history turns: a1? no — the newest three are a1, q2, a2; a1 would lead, so it goes.
    const r = buildPrompt({ turns, contextLength: 400 + 32 + 16, maxTokens: 32, count, perMessage: 0 });
    assert.equal(r.messages[0].role, 'user');
    assert.equal(r.messages.length % 2, 1);
  });

  it('keeps the newest turn with its context, cutting the context when it alone does not fit, and says so', () => {
    const turns: BudgetTurn[] = [
      ...history(3),
      { role: 'user', content: 'Explain these.', attachments: [bigFile('small', 200), bigFile('huge', 20_000)] },
    ];
    const r = buildPrompt({ system: 'S', turns, contextLength: 2048, maxTokens: 256, count });
    const last = r.messages[r.messages.length - 1].content;
    assert.ok(last.includes('File `src/small.ts`'));
    assert.ok(last.includes('File `src/huge.ts`'));
    assert.match(last, /\[truncated: \d+ of \d+ lines shown\]/);
    assert.ok(last.endsWith('Explain these.'));
    assert.deepEqual(r.omitted.attachments, ['huge.ts (truncated)']);
    assert.equal(r.omitted.turns, 6, 'no room left for history');
    assert.ok(r.promptTokens <= 2048 - 256, `${r.promptTokens}`);
  });

  it('drops an attachment whose share would be too small to be useful', () => {
    const turns: BudgetTurn[] = [{ role: 'user', content: 'x'.repeat(900), attachments: [bigFile('a', 5000)] }];
    const r = buildPrompt({ turns, contextLength: 1024, maxTokens: 64, count });
    assert.deepEqual(r.omitted.attachments, ['a.ts']);
    assert.equal(r.messages[0].content, 'x'.repeat(900));
    assert.equal(r.fits, true);
  });

  it('reports when even the new message does not fit', () => {
    const r = buildPrompt({ turns: [{ role: 'user', content: 'x'.repeat(5000) }], contextLength: 1024, maxTokens: 64, count });
    assert.equal(r.fits, false);
    assert.equal(r.messages.length, 1);
  });

  it('sends earlier turns whole, as they were sent (attachments and tool calls included), or leaves them out', () => {
    const file = bigFile('f', 600);
    const turns: BudgetTurn[] = [
      { role: 'user', content: 'first', attachments: [bigFile('old', 3000)] },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'second', attachments: [file] },
      {
        role: 'assistant',
        content: 'fine',
        toolRounds: [
          {
            content: '',
            calls: [
              {
                id: 'c1',
                name: 'read_file',
                arguments: '{"path":"a"}',
                status: 'ok',
                result: 'a (1 lines):\nx',
                summary: '1 lines',
                ms: 3,
              },
            ],
          },
        ],
      },
      { role: 'user', content: 'third', attachments: [{ ...file, id: 'again' }] },
    ];
    const r = buildPrompt({ turns, contextLength: 2000, maxTokens: 200, count });
    const all = r.messages.map((m) => m.content).join('\n');
    assert.equal(all.split('File `src/f.ts`').length - 1, 2, 'the second turn keeps its file although the third carries it too');
    assert.equal(r.omitted.turns, 2, 'the first turn (too big with its file) is left out whole, with its reply');
    assert.deepEqual(r.omitted.attachments, []);
    assert.deepEqual(
      r.messages.map((m) => m.role),
      ['user', 'assistant', 'tool', 'assistant', 'user'],
    );
    assert.deepEqual(r.messages[1], {
      role: 'assistant',
      content: '',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a"}' } }],
    });
    assert.deepEqual(r.messages[2], { role: 'tool', tool_call_id: 'c1', content: 'a (1 lines):\nx' });

    // The next request starts with exactly the messages of this one (the cache's prefix).
    const next = buildPrompt({
      turns: [...turns, { role: 'assistant', content: 'done' }, { role: 'user', content: 'fourth' }],
      contextLength: 4000,
      maxTokens: 200,
      count,
    });
    const shared = r.messages.slice(0, -1);
    assert.deepEqual(next.messages.slice(next.messages.length - 3 - shared.length, next.messages.length - 3), shared);
  });

  it('leaves out failed empty replies and merges same-role neighbours so roles alternate', () => {
    const turns: BudgetTurn[] = [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'two' },
    ];
    const r = buildPrompt({ turns, contextLength: 4096, count });
    assert.deepEqual(r.messages, [{ role: 'user', content: 'one\n\ntwo' }]);
  });

  it('caps the reply reservation at half the window', () => {
    const r = buildPrompt({ turns: [{ role: 'user', content: 'hi' }], contextLength: 2048, maxTokens: 8192, count });
    assert.equal(r.replyTokens, 1024);
  });

  it('trimHarder uses the server n_ctx and the real prompt size', () => {
    const turns = [...history(20), { role: 'user' as const, content: 'last' }];
    const first = buildPrompt({ turns, contextLength: 8192, maxTokens: 256 });
    assert.equal(first.omitted.turns, 0);
    // The server has 2048 per slot and counted 2.5x our estimate.
    const second = trimHarder(first, 2048, Math.round(first.promptTokens * 2.5));
    assert.ok(second.omitted.turns > 0);
    assert.ok(second.promptTokens * 1 <= 2048 - 256);
    assert.ok(second.scale >= 2.5);
    const third = trimHarder(second);
    assert.ok(third.scale > second.scale);
    assert.ok(third.omitted.turns >= second.omitted.turns);
  });

  it('rejects input that does not end with the user', () => {
    assert.throws(() => buildPrompt({ turns: [{ role: 'assistant', content: 'x' }], contextLength: 100 }));
  });
});
