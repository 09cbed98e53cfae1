import assert from 'node:assert/strict';
import { buildExcerpt } from '../../../src/core/completion/excerpt';
import { lazySnapshot, type LineSource } from '../../../src/core/completion/lazySnapshot';

/** A live document: lines change in place, the version counts edits, reads are counted. */
function liveDoc(lines: string[]) {
  const doc = {
    lines,
    version: 1,
    reads: 0,
    get lineCount() {
      return doc.lines.length;
    },
    lineAt(i: number) {
      doc.reads++;
      return doc.lines[i];
    },
  };
  return doc satisfies LineSource;
}

describe('completion/lazySnapshot', () => {
  it('reads only the lines the engine uses, once each', () => {
    const doc = liveDoc(Array.from({ length: 5000 }, (_, i) => `line ${i}`));
    const snap = lazySnapshot(doc, 2500, 4, { fileName: 'big.ts' });
    const ctx = buildExcerpt(snap, { prefixLines: 256, suffixLines: 64 });
    assert.ok(ctx.inputPrefix.startsWith('line 2256\n'), 'the prefix starts at a 16-line step within 256 lines');
    const reads = doc.reads;
    assert.ok(reads < 400, `read ${reads} lines of 5000`);
    buildExcerpt(snap, { prefixLines: 256, suffixLines: 64 });
    assert.equal(doc.reads, reads, 'the second pass is served from the memo');
  });

  it('keeps the text it read after an edit, and reads nothing new from the edited document', () => {
    const doc = liveDoc(['a', 'b', 'c']);
    const snap = lazySnapshot(doc, 1, 1);
    assert.equal(snap.lineAt(1), 'b');
    doc.lines[1] = 'EDITED';
    doc.lines[2] = 'EDITED';
    doc.version++;
    assert.equal(snap.lineAt(1), 'b', 'remembered');
    assert.equal(snap.lineAt(2), '', 'unknown after the edit: empty, not the new text');
    assert.equal(snap.lineAt(7), '', 'outside the document');
  });

  it('completes as if the suggest widget item were inserted', () => {
    const doc = liveDoc(['const x = doc.get']);
    const snap = lazySnapshot(doc, 0, 17, {}, { line: 0, start: 14, end: 17, text: 'getText' });
    assert.equal(snap.lineAt(0), 'const x = doc.getText');
    assert.equal(snap.character, 21);
  });
});
