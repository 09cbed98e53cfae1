import assert from 'node:assert/strict';
import { cutSpecialTokens, postprocess, type PostInput, removeOverlap, stripThink } from '../../../src/core/completion/postprocess';

/** A context from a document with `|` at the cursor. */
function at(doc: string, indent?: PostInput['indent']): PostInput {
  const i = doc.indexOf('|');
  const before = doc.slice(0, i);
  const after = doc.slice(i + 1);
  const linePrefix = before.slice(before.lastIndexOf('\n') + 1);
  const nl = after.indexOf('\n');
  const lineSuffix = nl < 0 ? after : after.slice(0, nl);
  return { linePrefix, lineSuffix, suffix: after, indent };
}

interface Case {
  name: string;
  doc: string;
  raw: string;
  want: string;
  dropped?: string;
  maxLines?: number;
  indent?: PostInput['indent'];
}

const cases: Case[] = [
  // Leaked tokens and <think>
  { name: 'plain completion is kept', doc: 'const x = |', raw: '42;', want: '42;' },
  { name: 'cut at <|endoftext|>', doc: 'a = |', raw: '1<|endoftext|>junk', want: '1' },
  { name: 'cut at <|file_sep|>', doc: 'a = |', raw: '1\nb = 2<|file_sep|>other.py\n', want: '1\nb = 2' },
  { name: 'echoed <|fim_middle|> at start removed', doc: 'a = |', raw: '<|fim_middle|>1', want: '1' },
  { name: 'DeepSeek full-width token', doc: 'a = |', raw: '1<｜fim▁end｜>x', want: '1' },
  { name: 'DeepSeek with ASCII pipes', doc: 'a = |', raw: '1<|fim▁hole|>x', want: '1' },
  { name: 'Code Llama <EOT>', doc: 'a = |', raw: '1 <EOT>', want: '1' },
  { name: 'StarCoder </fim_middle>', doc: 'a = |', raw: '1</fim_middle>', want: '1' },
  { name: 'StarCoder <file_sep>', doc: 'a = |', raw: '1<file_sep>', want: '1' },
  { name: 'Codestral [SUFFIX]', doc: 'a = |', raw: '1[SUFFIX]', want: '1' },
  { name: 'CodeGemma <|file_separator|>', doc: 'a = |', raw: '1<|file_separator|>', want: '1' },
  { name: '<|cursor|> leak', doc: 'a = |', raw: '1<|cursor|>2', want: '1' },
  { name: '<think> block removed', doc: 'a = |', raw: '<think>hmm, the user\nwants</think>42', want: '42' },
  { name: 'unterminated <think> drops the rest', doc: 'a = |', raw: '42 <think>let me', want: '42' },
  { name: 'only a token: dropped', doc: 'a = |', raw: '<|endoftext|>', want: '', dropped: 'empty' },
  { name: 'HTML <pre> is not a token', doc: 'html = "|', raw: '<pre>x</pre>', want: '<pre>x</pre>' },

  // Trailing blank lines
  { name: 'trailing blank lines trimmed', doc: 'f(|', raw: 'a)\n\n\n  ', want: 'a)' },
  { name: 'whitespace only: dropped', doc: 'x|', raw: '\n\n   \n', want: '', dropped: 'empty' },

  // Repeating the code below the cursor
  {
    name: 'equal to the suffix: dropped',
    doc: 'function f() {\n  |\n  return 1;\n}',
    raw: '\n  return 1;\n}',
    want: '',
    dropped: 'equalsSuffix',
  },
  { name: 'repeats the next non-blank line: dropped', doc: 'a();\n|\n\nb();\nc();', raw: 'b();', want: '', dropped: 'repeatsSuffix' },
  { name: 'repeats the next two lines: dropped', doc: 'a();\n|\nb();\nc();\nd();', raw: 'b();\nc();', want: '', dropped: 'repeatsSuffix' },
  {
    name: 'stops at a line duplicating the first suffix line',
    doc: 'if (x) {\n  |\n}',
    raw: 'go();\n  stop();\n}\nmore();',
    want: 'go();\n  stop();',
  },
  {
    name: 'inner closing brace (other indent) is not the suffix brace',
    doc: 'function f() {\n  |\n}',
    raw: 'if (a) {\n    b();\n  }\n  c();\n}',
    want: 'if (a) {\n    b();\n  }\n  c();',
  },
  {
    name: 'first line equal to the whole suffix (blank current line): dropped',
    doc: '  a();\n  |\n  b();',
    raw: 'b();',
    want: '',
    dropped: 'equalsSuffix',
  },
  {
    name: 'first line equal to the next line (blank current line): dropped',
    doc: '  a();\n  |\n  b();\n  c();',
    raw: 'b();',
    want: '',
    dropped: 'repeatsSuffix',
  },

  // Text right of the cursor: one line, overlap removed
  { name: 'one line only with text on the right', doc: 'foo(|);', raw: 'a, b);\nbar();', want: 'a, b' },
  { name: 'overlap of closing paren removed', doc: 'foo(|)', raw: 'a)', want: 'a' },
  { name: 'balanced call kept before a closing paren', doc: 'foo(|)', raw: 'bar()', want: 'bar()' },
  { name: 'balanced call plus the closer: closer removed', doc: 'foo(|)', raw: 'bar())', want: 'bar()' },
  { name: 'closing quote overlap removed', doc: 'x = "|";', raw: 'hello";', want: 'hello' },
  { name: 'pair of quotes kept', doc: 'f(|)', raw: '"a")', want: '"a"' },
  { name: 'completion equal to the rest of the line: dropped', doc: 'foo(|);', raw: ');', want: '', dropped: 'equalsSuffix' },
  { name: 'only the overlap: dropped', doc: 'foo(|)', raw: ')', want: '', dropped: 'equalsSuffix' },

  // Indentation
  { name: 'cursor in indentation: model indent not doubled', doc: 'def f():\n    |', raw: '    return 1', want: 'return 1' },
  { name: 'cursor in indentation: deeper indent kept', doc: 'if x:\n    |', raw: '        y()', want: '    y()' },
  {
    name: 'multi-line keeps absolute indentation',
    doc: 'def f():\n    if x:|',
    raw: '\n        return 1\n    return 2',
    want: '\n        return 1\n    return 2',
  },
  {
    name: 'block body at column 0 re-indented to the current line',
    doc: 'class A {\n  run() {|',
    raw: '\nthis.go();\n}',
    want: '\n  this.go();\n  }',
  },
  {
    name: 'spaces converted to tabs for a tab-indented file',
    doc: 'if (x) {|',
    raw: '\n    y();\n}',
    want: '\n\ty();\n}',
    indent: { insertSpaces: false, tabSize: 4 },
  },
  {
    name: 'tabs converted to spaces',
    doc: 'if (x) {|',
    raw: '\n\ty();\n}',
    want: '\n  y();\n}',
    indent: { insertSpaces: true, tabSize: 2 },
  },

  // Line cap
  { name: 'capped to maxLines', doc: 'x|', raw: '1\n2\n3\n4\n5', want: '1\n2\n3', maxLines: 3 },
];

describe('completion/postprocess', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = postprocess(c.raw, at(c.doc, c.indent), { maxLines: c.maxLines ?? 16 });
      assert.equal(r.text, c.want);
      assert.equal(r.dropped, c.dropped);
    });
  }

  it('stripThink and cutSpecialTokens directly', () => {
    assert.equal(stripThink('a<think>x</think>\nb'), 'ab');
    assert.equal(stripThink('thinking…</think>\nanswer'), 'answer');
    assert.equal(cutSpecialTokens('<MID><MID>x<PRE>y'), 'x');
  });

  it('removeOverlap table', () => {
    const t: [string, string, string][] = [
      ['a)', ')', 'a'],
      ['a);', ');', 'a'],
      ['x]', '] = 1', 'x'],
      ['g(h())', ')', 'g(h())'],
      ['g(h()))', ')', 'g(h())'],
      ['abc', ')', 'abc'],
      ['}', '}', ''],
    ];
    for (const [line, right, want] of t) assert.equal(removeOverlap(line, right), want, `${line} | ${right}`);
  });
});
