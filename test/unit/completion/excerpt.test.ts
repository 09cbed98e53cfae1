import assert from 'node:assert/strict';
import {
  applySuggestion,
  buildExcerpt,
  shouldRequest,
  snapshotFromLines,
  snapshotFromText,
  tokenBudgets,
} from '../../../src/core/completion/excerpt';

function numbered(n: number, width = 20): string[] {
  return Array.from({ length: n }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(width)}`);
}

describe('completion/excerpt', () => {
  it('splits prefix lines, the current line (prompt) and the suffix', () => {
    const doc = snapshotFromText('a\nb\n  foo(bar)\nc\nd', 2, 6, { fileName: 'x.ts', languageId: 'typescript' });
    const c = buildExcerpt(doc);
    assert.equal(c.inputPrefix, 'a\nb\n');
    assert.equal(c.prompt, '  foo(');
    assert.equal(c.suffix, 'bar)\nc\nd');
    assert.equal(c.linePrefix, '  foo(');
    assert.equal(c.lineSuffix, 'bar)');
    assert.equal(c.indent, 2);
    assert.equal(c.fileName, 'x.ts');
  });

  it('takes at most prefixLines above and suffixLines below', () => {
    const lines = numbered(1000);
    const c = buildExcerpt(snapshotFromLines(lines, 500, 0), { prefixLines: 64, suffixLines: 8, prefixStep: 16 });
    assert.equal(c.prefixStartLine, 448);
    assert.equal(c.suffixEndLine, 509);
    assert.equal(c.inputPrefix.split('\n').length - 1, 52);
  });

  it('moves the prefix start only in whole steps as the cursor moves down', () => {
    const lines = numbered(2000, 0);
    const starts = new Set<number>();
    let changes = 0;
    let prev = -1;
    for (let line = 300; line < 400; line++) {
      const s = buildExcerpt(snapshotFromLines(lines, line, 3)).prefixStartLine;
      assert.equal(s % 16, 0, `start ${s} not on a step`);
      assert.ok(line - s <= 256 && line - s > 256 - 16, `window ${line - s}`);
      if (prev >= 0 && s !== prev) changes++;
      prev = s;
      starts.add(s);
    }
    assert.ok(changes <= 7, `start changed ${changes} times over 100 lines`);
  });

  it('keeps an anchored start while the prefix fits, and moves it far when it must', () => {
    const lines = numbered(2000, 0);
    // A budget that the line window does not reach: only the anchor keeps the start still.
    let anchor: number | undefined;
    const starts: number[] = [];
    for (let line = 300; line < 420; line++) {
      anchor = buildExcerpt(snapshotFromLines(lines, line, 3), { anchor }).prefixStartLine;
      starts.push(anchor);
    }
    const moves = starts.filter((s, i) => i > 0 && s !== starts[i - 1]).length;
    assert.ok(moves <= 2, `the start moved ${moves} times over 120 lines (${[...new Set(starts)].join(', ')})`);
    // A token budget that binds: after a move the prefix fills about 3/4 of it, so the next move is far off.
    const long = Array.from({ length: 3000 }, (_, i) => `${'x'.repeat(40)} ${i}`);
    anchor = undefined;
    const tight: number[] = [];
    for (let line = 1000; line < 1100; line++) {
      const e = buildExcerpt(snapshotFromLines(long, line, 3), { anchor, nBatch: 512 });
      anchor = e.prefixStartLine;
      tight.push(anchor);
    }
    const tightMoves = tight.filter((s, i) => i > 0 && s !== tight[i - 1]).length;
    assert.ok(tightMoves <= 7, `the start moved ${tightMoves} times over 100 lines with a binding budget`);
    assert.ok(new Set(tight).size > 1, 'it did move');
  });

  it('keeps input_prefix byte-identical while typing on a line (cache-friendly)', () => {
    const lines = numbered(600);
    const a = buildExcerpt(snapshotFromLines(lines, 400, 2));
    lines[400] = `${lines[400].slice(0, 2)}abc${lines[400].slice(2)}`;
    const b = buildExcerpt(snapshotFromLines(lines, 400, 5));
    assert.equal(a.inputPrefix, b.inputPrefix);
    assert.notEqual(a.prompt, b.prompt);
  });

  it('stays under /infill caps: prefix <= 3*(n_batch/4), suffix <= n_batch/4 - 2 - prompt (with margin)', () => {
    const lines = numbered(3000, 120);
    for (const nBatch of [512, 2048]) {
      const c = buildExcerpt(snapshotFromLines(lines, 1500, 10), { nBatch, charsPerToken: 2.8 });
      const q = nBatch / 4;
      assert.ok(c.tokens.prefix + c.tokens.prompt <= 3 * q, `prefix ${c.tokens.prefix} over ${3 * q}`);
      assert.ok(c.tokens.suffix <= q - 2 - c.tokens.prompt, `suffix ${c.tokens.suffix}`);
      assert.ok(c.inputPrefix.length > 0, 'some prefix is kept');
      if (nBatch === 2048) assert.equal(c.prefixStartLine % 16, 0);
    }
  });

  it('caps by the slot context (nCtx) as well', () => {
    const lines = numbered(3000, 60);
    const c = buildExcerpt(snapshotFromLines(lines, 1500, 0), { nCtx: 1024, nPredict: 128, extraTokens: 100 });
    const total = c.tokens.prefix + c.tokens.prompt + c.tokens.suffix;
    assert.ok(total + 128 + 100 <= 1024, `total ${total}`);
    const b = tokenBudgets(
      { prefixLines: 1, suffixLines: 1, prefixStep: 1, charsPerToken: 3, nBatch: 2048, nCtx: 1024, nPredict: 128, safety: 1, refill: 0.75 },
      0,
    );
    assert.ok(b.prefix + b.suffix <= 1024 - 128);
  });

  it('bounds a very long current line: its head joins input_prefix at a coarse boundary', () => {
    const long = 'x'.repeat(5000);
    const a = buildExcerpt(snapshotFromLines(['first', long], 1, 4000));
    const b = buildExcerpt(snapshotFromLines(['first', long], 1, 4001));
    assert.ok(a.prompt.length < 1000);
    assert.equal(a.inputPrefix, b.inputPrefix);
    assert.equal(a.inputPrefix + a.prompt, `first\n${'x'.repeat(4000)}`);
  });

  it('clamps a cursor beyond the line end', () => {
    const c = buildExcerpt(snapshotFromText('ab\ncd', 1, 99));
    assert.equal(c.prompt, 'cd');
    assert.equal(c.suffix, '');
  });

  describe('shouldRequest', () => {
    const cases: [string, string, number, 'closers' | 'whitespace' | 'any', boolean][] = [
      ['end of line', 'foo(', 4, 'closers', true],
      ['closing brackets and semicolon right', 'foo();', 4, 'closers', true],
      ['quote and brace right', 'x = {"a": "', 11, 'closers', true],
      ['a word right', 'foo bar', 3, 'closers', false],
      ['a word right, any allowed', 'foo bar', 3, 'any', true],
      ['only whitespace allowed', 'foo()', 4, 'whitespace', false],
      ['trailing spaces', 'foo   ', 3, 'whitespace', true],
    ];
    for (const [name, line, ch, mode, ok] of cases) {
      it(name, () => assert.equal(shouldRequest(snapshotFromText(line, 0, ch), mode).ok, ok));
    }
    it('not with a selection or several cursors', () => {
      assert.equal(shouldRequest(snapshotFromText('x', 0, 1, { hasSelection: true })).reason, 'selection');
      assert.equal(shouldRequest(snapshotFromText('x', 0, 1, { cursorCount: 2 })).reason, 'multipleCursors');
    });
  });

  it('applySuggestion inserts text and moves the cursor after it', () => {
    const doc = snapshotFromText('a\nif (x) {}\nz', 1, 8);
    const after = applySuggestion(doc, '\n  y();\n');
    assert.equal(after.lineCount, 5);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => after.lineAt(i)),
      ['a', 'if (x) {', '  y();', '}', 'z'],
    );
    assert.equal(after.line, 3);
    assert.equal(after.character, 0);
  });
});
