// Generate Commit Message, the pure half: reading `git diff` into files,
// fitting them to the room the model's context leaves (secret-looking and
// binary files named only), the style examples and the prompt.
import assert from 'node:assert/strict';
import { estimateTokens } from '../../../src/core/chat/budget';
import { commitMessages, commitPromptOverhead, commitText, styleExamples } from '../../../src/core/tasks/commit';
import { fitDiff, parseDiff } from '../../../src/core/tasks/diff';
import { isWithheld } from '../../../src/core/tasks/files';

function section(path: string, added: string[], removed: string[] = [], header = ''): string {
  return [
    `diff --git a/${path} b/${path}`,
    header || 'index 1111111..2222222 100644',
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${removed.length} +1,${added.length} @@`,
    ...removed.map((l) => `-${l}`),
    ...added.map((l) => `+${l}`),
  ].join('\n');
}

const DIFF = [
  section('src/app.ts', ['const a = 1;', 'const b = 2;'], ['const a = 0;']),
  [
    'diff --git a/logo.png b/logo.png',
    'new file mode 100644',
    'index 0000000..3333333',
    'Binary files /dev/null and b/logo.png differ',
  ].join('\n'),
  section('.env', ['TOKEN=hunter2'], [], 'new file mode 100644\nindex 0000000..4444444'),
  ['diff --git a/old name.ts b/new name.ts', 'similarity index 90%', 'rename from old name.ts', 'rename to new name.ts'].join('\n'),
  [
    'diff --git a/gone.ts b/gone.ts',
    'deleted file mode 100644',
    'index 5555555..0000000',
    '--- a/gone.ts',
    '+++ /dev/null',
    '@@ -1,2 +0,0 @@',
    '-x',
    '-y',
  ].join('\n'),
].join('\n');

describe('tasks/diff', () => {
  it('reads files, their change, binary marks and line counts', () => {
    const files = parseDiff(DIFF);
    assert.deepEqual(
      files.map((f) => [f.path, f.change, f.binary, f.added, f.removed, f.oldPath]),
      [
        ['src/app.ts', 'modified', false, 2, 1, undefined],
        ['logo.png', 'added', true, 0, 0, undefined],
        ['.env', 'added', false, 1, 0, undefined],
        ['new name.ts', 'renamed', false, 0, 0, 'old name.ts'],
        ['gone.ts', 'deleted', false, 0, 2, undefined],
      ],
    );
    assert.ok(files[0].text.startsWith('diff --git a/src/app.ts b/src/app.ts\n'));
    assert.ok(files[0].text.endsWith('+const b = 2;'));
  });

  it('sends what fits whole, and only names binary and secret-looking files', () => {
    const fitted = fitDiff(parseDiff(DIFF), 10_000, isWithheld);
    assert.deepEqual(fitted.whole, ['src/app.ts', 'new name.ts', 'gone.ts']);
    assert.deepEqual(fitted.binary, ['logo.png']);
    assert.deepEqual(fitted.withheld, ['.env']);
    assert.ok(!fitted.text.includes('hunter2'), 'the secret file content is not sent');
    assert.match(fitted.text, /Binary files changed \(content not shown\): logo\.png/);
    assert.match(fitted.text, /may hold secrets changed \(content not sent\): \.env/);
    assert.ok(fitted.text.indexOf('src/app.ts') < fitted.text.indexOf('gone.ts'), "git's order is kept");
  });

  it('gives every file a share when the whole diff is too long: small ones whole, the start of big ones', () => {
    const big = section(
      'src/big.ts',
      Array.from({ length: 2000 }, (_, i) => `line ${i} of a long change`),
    );
    const small = section('src/small.ts', ['one line']);
    const files = parseDiff(`${big}\n${small}`);
    const fitted = fitDiff(files, 3000, () => false);
    assert.deepEqual(fitted.whole, ['src/small.ts']);
    assert.deepEqual(fitted.shortened, ['src/big.ts']);
    assert.ok(fitted.text.length <= 3200, `about the room given (${fitted.text.length})`);
    assert.match(fitted.text, /… \(\d+ more lines of this file's diff not shown; \+2000 -0 in all\)/);
    assert.ok(fitted.text.includes('+one line'));
  });

  it('lists files with their counts when not even a share fits', () => {
    const files = parseDiff(
      Array.from({ length: 40 }, (_, i) =>
        section(
          `f${i}.ts`,
          Array.from({ length: 50 }, () => 'x'.repeat(40)),
        ),
      ).join('\n'),
    );
    const fitted = fitDiff(files, 2000, () => false);
    assert.equal(fitted.whole.length + fitted.shortened.length + fitted.listed.length, 40);
    assert.ok(fitted.listed.length > 30);
    assert.match(fitted.text, /Also changed \(diff not shown, too long\):\nf\d+\.ts \(modified, \+50 -0\)/);
  });

  it('withholds a renamed file whose old name looks secret', () => {
    const files = parseDiff('diff --git a/.env b/config.txt\nsimilarity index 100%\nrename from .env\nrename to config.txt');
    assert.deepEqual(fitDiff(files, 1000, isWithheld).withheld, ['config.txt']);
  });
});

describe('tasks/commit', () => {
  it('takes recent subjects as style examples, without merges, fixups or repeats', () => {
    const examples = styleExamples([
      'feat(parser): read renames\n\nbody',
      "Merge branch 'x'",
      'fixup! feat(parser): read renames',
      'fix: keep order',
      'feat(parser): read renames',
      'Revert "fix: keep order"',
    ]);
    assert.deepEqual(examples, ['feat(parser): read renames', 'fix: keep order']);
  });

  it('builds the prompt: the schema, the examples, the diff and what was left out', () => {
    const fitted = fitDiff(parseDiff(DIFF), 10_000, isWithheld);
    const messages = commitMessages({ diff: fitted, source: 'working tree', examples: ['fix: keep order'], untracked: ['notes.md'] });
    assert.equal(messages.length, 2);
    assert.equal(messages[0].role, 'system');
    assert.match(messages[0].content, /"subject"/);
    const user = messages[1].content;
    assert.match(user, /Recent commit subjects in this repository:\n- fix: keep order/);
    assert.match(user, /The changes in the working tree \(nothing is staged\):\n```diff\n/);
    assert.ok(user.includes('+const b = 2;'));
    assert.match(user, /New files not yet tracked by git \(content not shown\): notes\.md/);
    assert.ok(commitPromptOverhead(['fix: keep order']) >= estimateTokens(messages[0].content), 'the overhead covers the fixed parts');
  });

  it('writes subject, blank line, body; a subject on one line; no body for an empty one', () => {
    assert.equal(
      commitText({ subject: ' Add the parser\n', body: 'It reads diffs.\r\nAll of them.\n' }),
      'Add the parser\n\nIt reads diffs.\nAll of them.',
    );
    assert.equal(commitText({ subject: 'Fix\n a typo', body: '  ' }), 'Fix a typo');
  });
});
