import assert from 'node:assert/strict';
import { capResult, fileSlice, lineMatcher, matchLines, occurrences, TOOL_SPECS, toolPath } from '../../../src/core/chat/tools';

describe('chat/tools (pure)', () => {
  it('reads the paths a model gives: relative, normalised, never out of the workspace', () => {
    assert.deepEqual(toolPath('src/a.ts', ['ws']), { ok: true, folder: 'ws', rel: 'src/a.ts' });
    assert.deepEqual(toolPath('./src//b/../a.ts', ['ws']), { ok: true, folder: 'ws', rel: 'src/a.ts' });
    assert.deepEqual(toolPath('.', ['ws']), { ok: true, folder: 'ws', rel: '' });
    assert.deepEqual(toolPath('src\\a.ts', ['ws']), { ok: true, folder: 'ws', rel: 'src/a.ts' });
    for (const outside of ['../x', 'src/../../x', '/etc/passwd', 'C:/Windows/win.ini', '~/.ssh/id_rsa']) {
      const p = toolPath(outside, ['ws']);
      assert.equal(p.ok, false, outside);
    }
    assert.deepEqual(toolPath('api/src/a.ts', ['api', 'web']), { ok: true, folder: 'api', rel: 'src/a.ts' });
    assert.deepEqual(toolPath('src/a.ts', ['api', 'web']), {
      ok: false,
      problem: '"src/a.ts" must start with a workspace folder name (api, web)',
    });
  });

  it('slices files by line with a header, clamps the range, and cuts long results with a note', () => {
    const text = 'one\ntwo\nthree\nfour\n';
    assert.deepEqual(fileSlice('a.txt', text), { content: 'a.txt (4 lines):\none\ntwo\nthree\nfour', summary: '4 lines' });
    assert.deepEqual(fileSlice('a.txt', text, 2, 3), { content: 'a.txt, lines 2-3 of 4:\ntwo\nthree', summary: 'lines 2-3 of 4' });
    assert.equal(fileSlice('a.txt', text, 3, 99).content, 'a.txt, lines 3-4 of 4:\nthree\nfour');
    assert.equal(fileSlice('a.txt', text, 9).content, 'a.txt has 4 lines; line 9 does not exist.');
    const long = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const cut = fileSlice('big.txt', long).content;
    assert.ok(cut.length <= 16_000, `${cut.length}`);
    assert.match(cut, /\[The result was cut at 16000 characters: read a smaller line range \(startLine, endLine\)\.\]$/);
    assert.equal(capResult('short'), 'short');
  });

  it('matches lines plainly or by regex, capped, with file:line', () => {
    const plain = lineMatcher('Foo');
    assert.ok(typeof plain === 'function');
    assert.deepEqual(matchLines('a.ts', 'x\n  foo()\nFOO\n', plain as (l: string) => boolean, 5), ['a.ts:2: foo()', 'a.ts:3: FOO']);
    const exact = lineMatcher('Foo', false, true) as (l: string) => boolean;
    assert.deepEqual(matchLines('a.ts', 'foo\nFoo\n', exact, 5), ['a.ts:2: Foo']);
    const re = lineMatcher('^f(o)+$', true) as (l: string) => boolean;
    assert.deepEqual(matchLines('a.ts', 'foo\nfoo\nfoo\n', re, 2), ['a.ts:1: foo', 'a.ts:2: foo']);
    assert.match(lineMatcher('(', true) as string, /^the regular expression is invalid/);
    assert.match(matchLines('a.ts', `x${'y'.repeat(500)}`, () => true, 1)[0], /^a\.ts:1: xy{199}…$/);
  });

  it('counts occurrences for propose_edit', () => {
    assert.deepEqual(occurrences('a = 1; b = 1;', ' = 1;'), { count: 2, first: 1 });
    assert.deepEqual(occurrences('abc', 'x'), { count: 0, first: -1 });
  });

  it('declares each tool with an object schema that refuses unknown properties, and no tool that runs commands', () => {
    for (const t of TOOL_SPECS) {
      assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
      assert.equal(t.parameters.type, 'object', t.name);
      assert.equal(t.parameters.additionalProperties, false, t.name);
      assert.doesNotMatch(t.name, /run|exec|terminal|shell|command/);
    }
  });
});
