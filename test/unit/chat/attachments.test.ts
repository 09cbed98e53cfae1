import assert from 'node:assert/strict';
import {
  attachmentLabel,
  dedupeAttachments,
  fenceFor,
  formatAttachment,
  formatUserContent,
  toChip,
  truncateAttachment,
  truncateText,
} from '../../../src/core/chat/attachments';
import { type Attachment } from '../../../src/core/chat/types';
import { isSecretLooking } from '../../../src/core/secretFiles';

const selection: Attachment = {
  id: '1',
  kind: 'selection',
  path: 'src/app.ts',
  language: 'typescript',
  lines: { start: 10, end: 12 },
  text: 'const a = 1;\nconst b = 2;\nconst c = 3;',
};
const file: Attachment = { id: '2', kind: 'file', path: 'src/util.py', language: 'python', text: 'def f():\n    return 1\n' };
const problems: Attachment = {
  id: '3',
  kind: 'problems',
  path: 'src/app.ts',
  problems: [
    { severity: 'error', line: 11, column: 7, message: "Type 'string' is not assignable to type 'number'.", source: 'ts', code: '2322' },
    { severity: 'warning', line: 12, message: 'Unused variable c' },
  ],
};

describe('chat/attachments', () => {
  it('labels and chips', () => {
    assert.equal(attachmentLabel(selection), 'app.ts:10-12');
    assert.equal(attachmentLabel(file), 'util.py');
    assert.equal(attachmentLabel(problems), 'Problems: app.ts (2)');
    assert.deepEqual(toChip(selection), { id: '1', kind: 'selection', label: 'app.ts:10-12', detail: 'src/app.ts lines 10-12' });
    assert.equal(toChip(problems).detail, 'problems in src/app.ts');
  });

  it('formats a selection with its path, range and language fence', () => {
    assert.equal(
      formatAttachment(selection),
      'Selection from `src/app.ts` (lines 10-12):\n```typescript\nconst a = 1;\nconst b = 2;\nconst c = 3;\n```',
    );
    assert.equal(formatAttachment(file), 'File `src/util.py`:\n```python\ndef f():\n    return 1\n```');
  });

  it('uses a longer fence when the text contains backticks', () => {
    assert.equal(fenceFor('no ticks'), '```');
    assert.equal(fenceFor('has ``` inside'), '````');
    const md: Attachment = { id: 'm', kind: 'file', path: 'README.md', language: 'markdown', text: '```js\nx\n```' };
    assert.ok(formatAttachment(md).startsWith('File `README.md`:\n````markdown\n'));
  });

  it('formats problems as a list', () => {
    assert.equal(
      formatAttachment(problems),
      "Problems in `src/app.ts`:\n- error at line 11, column 7: Type 'string' is not assignable to type 'number'. [ts 2322]\n- warning at line 12: Unused variable c",
    );
  });

  it('puts attachments before the question', () => {
    const text = formatUserContent('Why?', [selection, problems]);
    assert.ok(text.startsWith('Selection from'));
    assert.ok(text.endsWith('\n\nWhy?'));
    assert.equal(formatUserContent('Plain', []), 'Plain');
  });

  it('drops duplicates and selections of files attached whole', () => {
    const again = { ...file, id: '9', kind: 'workspaceFile' as const };
    const selInFile: Attachment = { ...selection, id: '5', path: 'src/util.py' };
    assert.deepEqual(
      dedupeAttachments([file, again, selInFile, selection, { ...selection, id: '6' }]).map((i) => i.id),
      ['2', '1'],
    );
  });

  it('truncates at a line end and says so', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const cut = truncateText(text, 100);
    assert.ok(cut.length < 160);
    assert.match(cut, /\n… \[truncated: \d+ of 100 lines shown\]$/);
    assert.ok(
      cut
        .split('\n')
        .slice(0, -1)
        .every((l) => /^line \d+$/.test(l)),
    );
    assert.equal(truncateText('short', 100), 'short');
    const item = truncateAttachment({ ...file, text }, 100);
    assert.equal(item.truncatedFrom, text.length);
    const many: Attachment = {
      ...problems,
      problems: Array.from({ length: 10 }, (_, i) => ({ severity: 'error' as const, line: i + 1, message: `Problem number ${i}` })),
    };
    const fewer = truncateAttachment(many, 200);
    assert.ok(formatAttachment(fewer).length <= 200, formatAttachment(fewer));
    assert.ok(fewer.problems && fewer.problems.length > 0 && fewer.problems.length < 10);
    assert.match(formatAttachment(fewer), new RegExp(`${10 - fewer.problems.length} more not shown`));
  });

  it('recognizes secret-looking files', () => {
    const secret = [
      '.env',
      '.env.local',
      'config/.env.production',
      'server.pem',
      'tls/private.key',
      'id_rsa',
      'home/.ssh/id_ed25519.pub',
      'cert.p12',
      'cert.pfx',
      '.npmrc',
      'credentials',
      'credentials.json',
      '.aws/credentials',
      '.ssh/config',
      'secrets.yaml',
      'C:\\proj\\.env',
      '.git-credentials',
      'prod.tfvars',
      '.yarnrc.yml',
      'home/.config/gcloud/application_default_credentials.json',
      '.vault-token',
      '.terraformrc',
      'kubeconfig',
      'kubeconfig-prod.yaml',
      'home/.config/gh/hosts.yml',
      'client_secret_1234.apps.googleusercontent.com.json',
      'AuthKey_ABC123.p8',
      'home/.terraform.d/credentials.tfrc.json',
      'home/.config/gcloud/access_tokens.db',
    ];
    const fine = [
      'src/env.ts',
      'environment.ts',
      'keyboard.ts',
      'src/keys.ts',
      'README.md',
      'package.json',
      'src/secret-santa.ts',
      'docs/pem-format.md',
      'src/gh/hosts.ts',
      'gh/README.md',
      'src/kube/deploy.ts',
      'hosts.yml',
    ];
    for (const p of secret) assert.equal(isSecretLooking(p), true, p);
    for (const p of fine) assert.equal(isSecretLooking(p), false, p);
  });
});
