// The selection actions' pure half: doc comments in each language's style
// and place, the model's code fitted back where the selection was, and the
// prompts.
import assert from 'node:assert/strict';
import { cleanCommentText, docPlace, formatDocComment } from '../../../src/core/tasks/docComment';
import { documentMessages, fitReplacement, fixMessages, testsMessages, type CodeContext } from '../../../src/core/tasks/selection';

describe('tasks/docComment', () => {
  it('writes a JSDoc-style block for TypeScript, Java and C', () => {
    const lines = formatDocComment('typescript', 'Adds two numbers.\n\n@param a the first\n@returns the sum', '  ');
    assert.deepEqual(lines, ['  /**', '   * Adds two numbers.', '   *', '   * @param a the first', '   * @returns the sum', '   */']);
    assert.equal(formatDocComment('java', 'X.', '')[0], '/**');
    assert.equal(formatDocComment('c', 'X.', '')[1], ' * X.');
  });

  it('uses ///, #, --- and Python docstrings where those languages do', () => {
    assert.deepEqual(formatDocComment('rust', 'Parses it.\nFast.', '    '), ['    /// Parses it.', '    /// Fast.']);
    assert.deepEqual(formatDocComment('csharp', 'X.', ''), ['/// X.']);
    assert.deepEqual(formatDocComment('go', 'Parse parses.', ''), ['// Parse parses.']);
    assert.deepEqual(formatDocComment('ruby', 'X.\n\nY.', ''), ['# X.', '#', '# Y.']);
    assert.deepEqual(formatDocComment('lua', 'X.', ''), ['--- X.']);
    assert.deepEqual(formatDocComment('haskell', 'X.\nY.', ''), ['-- | X.', '-- Y.']);
    assert.deepEqual(formatDocComment('python', 'Add two numbers.', '    '), ['    """Add two numbers."""']);
    assert.deepEqual(formatDocComment('python', 'Add.\n\nArgs:\n    a: first', '    '), [
      '    """Add.',
      '',
      '    Args:',
      '        a: first',
      '    """',
    ]);
  });

  it('removes comment markers the model added anyway, and escapes what would close the comment', () => {
    assert.deepEqual(cleanCommentText('/**\n * Adds.\n * @param a x\n */'), ['Adds.', '@param a x']);
    assert.deepEqual(cleanCommentText('/// Adds.\n/// More.'), ['Adds.', 'More.']);
    assert.deepEqual(cleanCommentText('"""Adds."""'), ['Adds.']);
    assert.deepEqual(cleanCommentText('# Adds.'), ['Adds.']);
    assert.deepEqual(formatDocComment('typescript', 'Ends a */ comment', ''), ['/**', ' * Ends a *\\/ comment', ' */']);
    assert.deepEqual(formatDocComment('python', 'Has """ inside', ''), ['"""Has \\"\\"\\" inside"""']);
  });

  it('goes above the symbol and its decorators or attributes, at its indentation', () => {
    const ts = ['class A {', '  @Input()', '  @Other()', '  name = 1;', '}'];
    assert.deepEqual(docPlace('typescript', ts, 3, '  '), { line: 1, indent: '  ' });
    const rust = ['#[derive(Debug)]', 'struct S;'];
    assert.deepEqual(docPlace('rust', rust, 1, '    '), { line: 0, indent: '' });
  });

  it('goes under the def line in Python, at the body indentation, after a signature over several lines', () => {
    const py = ['class A:', '    @staticmethod', '    def add(', '        a, b', '    ) -> int:  # sum', '        return a + b'];
    assert.deepEqual(docPlace('python', py, 1, '    '), { line: 5, indent: '        ' });
    const empty = ['def f():', '', 'x = 1'];
    assert.deepEqual(docPlace('python', empty, 0, '\t'), { line: 1, indent: '\t' });
  });
});

describe('tasks/selection: fitting the model code back', () => {
  it('restores the indentation the model dropped, and the final newline', () => {
    const original = '    if (x) {\n      y();\n    }\n';
    assert.equal(fitReplacement(original, 'if (x) {\n  z();\n}'), '    if (x) {\n      z();\n    }\n');
  });

  it('keeps the model indentation when it kept it, removes a fence, keeps CRLF', () => {
    assert.equal(fitReplacement('  a();', '```ts\n  b();\n```'), '  b();');
    assert.equal(fitReplacement('a();\r\nb();\r\n', 'c();\nd();\n'), 'c();\r\nd();\r\n');
  });
});

describe('tasks/selection: prompts', () => {
  const code: CodeContext = { path: 'src/app.ts', language: 'typescript', code: 'function f(a) {\n  return a +;\n}', startLine: 10 };

  it('shows the code with its file and lines, asking for text without markers', () => {
    const [system, user] = documentMessages(code);
    assert.match(system.content, /without comment markers/);
    assert.match(user.content, /src\/app\.ts, lines 10-12:\n```typescript\nfunction f\(a\) \{/);
  });

  it('lists the problems for Fix, or says there are none', () => {
    const user = fixMessages(code, [
      { severity: 'error', line: 11, column: 13, message: 'Expression expected.', source: 'ts', code: '1109' },
    ])[1].content;
    assert.match(user, /- line 11:13 error: ts 1109: Expression expected\./);
    assert.match(fixMessages(code, [])[1].content, /No problems are reported/);
  });

  it('asks Write Tests for a whole test file in the language', () => {
    const [system, user] = testsMessages(code);
    assert.match(system.content, /unit tests for typescript code/);
    assert.match(user.content, /Write tests for this/);
  });
});
