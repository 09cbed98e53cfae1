import assert from 'node:assert/strict';
import { CompletionCache } from '../../../src/core/completion/cache';

describe('completion/cache', () => {
  it('exact hit by model + prefix tail + suffix head', () => {
    const c = new CompletionCache();
    c.set('m', 'const x = ', ';\n', '42');
    assert.deepEqual(c.lookup('m', 'const x = ', ';\n'), { text: '42', typed: 0 });
    assert.equal(c.lookup('other', 'const x = ', ';\n'), undefined);
    assert.equal(c.lookup('m', 'const x = ', ')\n'), undefined);
  });

  it('serves typed-through: the remainder of a suggestion whose start was typed', () => {
    const c = new CompletionCache();
    c.set('m', 'foo(', ')', 'alpha, beta');
    assert.deepEqual(c.lookup('m', 'foo(al', ')'), { text: 'pha, beta', typed: 2 });
    assert.deepEqual(c.lookup('m', 'foo(alpha, ', ')'), { text: 'beta', typed: 7 });
    assert.equal(c.lookup('m', 'foo(ax', ')'), undefined, 'diverged');
    assert.equal(c.lookup('m', 'foo(alpha, beta', ')'), undefined, 'typed all of it');
    assert.equal(c.hits, 2);
    assert.equal(c.misses, 2);
  });

  it('typed-through across a newline', () => {
    const c = new CompletionCache();
    c.set('m', 'if (a) {', '\n}', '\n  go();');
    assert.deepEqual(c.lookup('m', 'if (a) {\n  g', '\n}'), { text: 'o();', typed: 4 });
  });

  it('only keys on the prefix tail, so far-away edits do not matter', () => {
    const c = new CompletionCache({ prefixChars: 8 });
    c.set('m', 'AAAA12345678', '', 'x');
    assert.equal(c.get('m', 'BBBB12345678', ''), 'x');
  });

  it('evicts the least recently used', () => {
    const c = new CompletionCache({ maxEntries: 2 });
    c.set('m', 'a', '', '1');
    c.set('m', 'b', '', '2');
    c.get('m', 'a', '');
    c.set('m', 'c', '', '3');
    assert.equal(c.get('m', 'b', ''), undefined);
    assert.equal(c.get('m', 'a', ''), '1');
    assert.equal(c.size, 2);
  });

  it('remembers "nothing to add" as an empty suggestion', () => {
    const c = new CompletionCache();
    c.set('m', 'x', 'y', '');
    assert.deepEqual(c.lookup('m', 'x', 'y'), { text: '', typed: 0 });
  });

  it('lookup on a 1,000-entry cache stays fast', () => {
    const c = new CompletionCache({ maxEntries: 1000 });
    const prefix = 'p'.repeat(5000);
    for (let i = 0; i < 1000; i++) c.set('m', `${prefix}${i}`, 's', 'v');
    const t = performance.now();
    for (let i = 0; i < 100; i++) c.lookup('m', `${prefix}miss${i}`, 's');
    assert.ok((performance.now() - t) / 100 < 2, 'more than 2 ms per lookup');
  });
});
