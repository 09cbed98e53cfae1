// The one file policy of chat and completion: what may be sent without
// asking, and why anything else needs a confirmation.
import assert from 'node:assert/strict';
import { createIgnoreMatcher, decide, describeReason } from '../../../src/core/filePolicy';

describe('file policy', () => {
  it('matches ignore files with git precedence: deeper overrides shallower, exclude below the root .gitignore', () => {
    const ignored = createIgnoreMatcher([
      { dir: 'pkg', text: 'generated/\n!debug.log\n' },
      { dir: '', text: 'local-notes/\n*.tmp\n' }, // .git/info/exclude
      { dir: '', text: 'node_modules/\n*.log\nbuild\n!keep.log\n!keep.tmp\n' },
    ]);
    assert.equal(ignored('node_modules/x/index.js'), true);
    assert.equal(ignored('app.log'), true);
    assert.equal(ignored('keep.log'), false);
    assert.equal(ignored('build/out.js'), true);
    assert.equal(ignored('src/app.ts'), false);
    assert.equal(ignored('pkg/generated/a.ts'), true);
    assert.equal(ignored('pkg/debug.log'), false);
    assert.equal(ignored('pkg/other.log'), true);
    assert.equal(ignored('.git/config'), true);
    assert.equal(ignored('src\\windows\\path.log'), true);
    assert.equal(ignored('local-notes/todo.md'), true, 'from .git/info/exclude');
    assert.equal(ignored('a.tmp'), true);
    assert.equal(ignored('keep.tmp'), false, 'the root .gitignore ranks above exclude');
  });

  it('decides: untitled and ordinary workspace files go; secrets, outside files and ignored files need confirmation', () => {
    const ignored = createIgnoreMatcher([{ dir: '', text: 'secret/\n' }]);
    const inside = (rel: string, targetRel = rel) => decide({ rel, targetRel, targetPath: `/ws/${targetRel}`, ignored });
    assert.equal(decide({ untitled: true }), undefined);
    assert.equal(inside('src/a.ts'), undefined);
    assert.equal(inside('.env'), 'secret');
    assert.equal(inside('secret/notes.txt'), 'ignored');
    assert.equal(inside('node_modules/x/index.js'), 'ignored');
    assert.equal(inside('.git/config'), 'ignored');
    assert.equal(decide({}), 'outside', 'an Output channel, settings.json: no workspace path');
    assert.equal(decide({ targetPath: '/home/u/.bashrc' }), 'outside');
    assert.equal(decide({ targetPath: '/home/u/.config/Code/User/settings.json' }), 'outside');
  });

  it('follows symlinks: the target decides, not the link', () => {
    // A repository link to ~/.aws/credentials.
    assert.equal(decide({ rel: 'config/aws.txt', targetPath: '/home/u/.aws/credentials' }), 'secret');
    // A link to a file elsewhere on disk.
    assert.equal(decide({ rel: 'docs/notes.md', targetPath: '/home/u/notes.md' }), 'outside');
    // A link inside the workspace to an ignored or secret file.
    const ignored = createIgnoreMatcher([{ dir: '', text: 'private/\n' }]);
    assert.equal(decide({ rel: 'a.txt', targetRel: 'private/a.txt', targetPath: '/ws/private/a.txt', ignored }), 'ignored');
    assert.equal(decide({ rel: 'a.txt', targetRel: 'deploy/.env', targetPath: '/ws/deploy/.env', ignored }), 'secret');
    // The workspace's own location does not make its files secret.
    assert.equal(decide({ rel: 'src/a.ts', targetRel: 'src/a.ts', targetPath: '/home/u/.docker/project/src/a.ts' }), undefined);
  });

  it('says why in words', () => {
    assert.match(describeReason('secret'), /may hold secrets/);
    assert.match(describeReason('ignored'), /ignored by \.gitignore/);
    assert.match(describeReason('outside'), /not a file of this workspace/);
  });
});
