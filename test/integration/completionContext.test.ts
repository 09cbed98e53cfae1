// The extra-context ring in a real VS Code against a fake llama.cpp: files
// the user opens go into /infill's input_extra, git-ignored (root and nested
// .gitignore) and secret-looking files never do, and a warm-up request
// (n_predict 0) follows a change of the ring once the user is idle.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  closeEditors,
  completes,
  completionFixture,
  nextProvide,
  resetCompletion,
  sleep,
  type,
  type CompletionFixture,
} from './completionFixture';
import { waitFor } from './helpers';

function file(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, rel);
}

async function write(rel: string, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(file(rel), new TextEncoder().encode(text));
}

async function open(rel: string, line = 0): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(file(rel));
  const pos = new vscode.Position(Math.min(line, editor.document.lineCount - 1), 0);
  editor.selection = new vscode.Selection(pos, pos);
  return editor;
}

const CODE = ['export const a = 1;', 'export const b = 2;', 'export const c = 3;', 'export const d = 4;', ''].join('\n');

describe('completion: extra context', function () {
  this.timeout(30_000);
  let f: CompletionFixture | undefined;

  before(async () => {
    await write('secret/keys.ts', CODE.replace(/const/g, 'const secret'));
    await write('src/gen/.gitignore', '*.gen.ts\n');
    await write('src/gen/api.gen.ts', CODE.replace(/const/g, 'const generated'));
    await write('src/gen/kept.ts', CODE.replace(/const/g, 'const kept'));
  });

  after(async () => {
    for (const rel of ['secret/keys.ts', 'src/gen']) await vscode.workspace.fs.delete(file(rel), { recursive: true, useTrash: false });
  });

  afterEach(async () => {
    await f?.close();
    await resetCompletion(f?.api);
    f = undefined;
  });

  it('never allows git-ignored (root, nested or .git/info/exclude), secret-looking, outside or linked-out files', async () => {
    f = await completionFixture();
    const files = f.api.completion.files;
    assert.equal(files, f.api.chat.attachments['files'], 'chat and completion share one file policy');
    const reason = async (uri: vscode.Uri) => (await files.check(uri)).reason;
    assert.equal(await reason(file('src/format.ts')), undefined);
    assert.equal(await reason(file('src/gen/kept.ts')), undefined);
    assert.equal(await reason(file('secret/keys.ts')), 'ignored', 'secret/ is in the root .gitignore');
    assert.equal(await reason(file('src/gen/api.gen.ts')), 'ignored', 'src/gen/.gitignore ignores *.gen.ts');
    assert.equal(await reason(file('.env')), 'secret', '.env looks like a secret');
    assert.equal(await reason(vscode.Uri.file('/etc/hostname')), 'outside', 'outside the workspace');
    assert.equal(await reason(vscode.Uri.parse('output:extension-output-hearth.hearth-%231-Hearth')), 'outside', 'an Output channel');
    assert.equal(await reason(vscode.Uri.parse('untitled:Untitled-9')), undefined, 'an untitled document');

    // .git/info/exclude counts for chat and completion alike.
    await write('.git/info/exclude', 'local-only.ts\n');
    await write('local-only.ts', CODE);
    // A repository symlink to a credentials file elsewhere is that file, not the link.
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-link-'));
    fs.mkdirSync(path.join(outside, '.aws'));
    fs.writeFileSync(path.join(outside, '.aws', 'credentials'), '[default]\naws_secret_access_key = not-a-real-key\n');
    fs.writeFileSync(path.join(outside, 'notes.md'), '# notes\n');
    fs.symlinkSync(path.join(outside, '.aws', 'credentials'), file('src/aws-config.txt').fsPath);
    fs.symlinkSync(path.join(outside, 'notes.md'), file('src/notes-link.md').fsPath);
    fs.symlinkSync(file('.env').fsPath, file('src/env-link.txt').fsPath);
    try {
      await waitFor('the exclude file to count', async () => (await reason(file('local-only.ts'))) === 'ignored');
      assert.equal(await reason(file('src/aws-config.txt')), 'secret');
      assert.equal(await reason(file('src/notes-link.md')), 'outside');
      assert.equal(await reason(file('src/env-link.txt')), 'secret', 'a link to .env inside the workspace');
    } finally {
      for (const rel of ['local-only.ts', 'src/aws-config.txt', 'src/notes-link.md', 'src/env-link.txt'])
        fs.rmSync(file(rel).fsPath, { force: true });
      fs.rmSync(file('.git').fsPath, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('sends chunks of opened files as input_extra, never ignored or secret ones, then warms up when idle', async () => {
    f = await completionFixture({ generate: completes('return counts') });
    const ring = f.api.completion.ring;
    ring.clear();
    for (const rel of ['.env', 'secret/keys.ts', 'src/gen/api.gen.ts', 'src/gen/kept.ts', 'src/format.ts']) await open(rel);
    await waitFor('format.ts in the ring', () => ring.chunks.some((c) => c.filename === 'src/format.ts'));
    const names = () => ring.chunks.map((c) => c.filename);
    assert.deepEqual(names(), ['src/gen/kept.ts', 'src/format.ts'], 'only allowed files, in the order they were opened');

    const editor = await open('src/util.py');
    editor.selection = new vscode.Selection(17, 17, 17, 17); // the end of `    return counts`
    await vscode.commands.executeCommand('editor.action.insertLineAfter');
    await sleep(300);
    const shown = nextProvide(f.api);
    await type('ret');
    await shown;
    const body = f.infills()[f.infills().length - 1].body;
    const extra = body.input_extra as { filename: string; text: string }[];
    assert.deepEqual(
      extra.map((c) => c.filename),
      ['src/gen/kept.ts', 'src/format.ts'],
    );
    assert.ok(extra[1].text.includes('export'), 'the chunk holds the file text');
    const sent = JSON.stringify(f.llama.requests.map((r) => r.body));
    for (const never of ['not-a-real-token', 'sk-fake-hearth', 'const secret', 'const generated']) {
      assert.ok(!sent.includes(never), `nothing from ignored or secret files reached the server (${never})`);
    }

    // Leaving util.py (edited) and opening app.ts change the ring; once idle, a warm-up fills the server's cache.
    const before = f.infills().length;
    await open('src/app.ts', 5);
    await waitFor('app.ts in the ring', () => names().includes('src/app.ts'));
    assert.ok(names().includes('src/util.py'), 'the edited file joined the ring when the user left it');
    const warm = await waitFor(
      'a warm-up request',
      () =>
        f!
          .infills()
          .slice(before)
          .find((r) => r.body.n_predict === 0),
      6000,
    );
    assert.ok((warm.body.input_extra as { filename: string }[]).some((c) => c.filename === 'src/app.ts'));
    await waitFor('the warm-up counted', () => f!.api.completion.session.engine!.totals.warmups >= 1);
    await closeEditors();
  });

  it('takes a selection of 3+ lines held for a moment (the stand-in for copying) into the ring', async () => {
    f = await completionFixture();
    const ring = f.api.completion.ring;
    ring.clear();
    const editor = await open('src/util.py');
    editor.selection = new vscode.Selection(13, 0, 17, 17); // word_count
    await waitFor(
      'the selection in the ring',
      () => ring.chunks.find((c) => c.filename === 'src/util.py' && c.text.startsWith('def word_count')),
      3000,
    );
    assert.deepEqual(
      f.api.completion.feeder.added.slice(-1).map((a) => a.event),
      ['selected'],
    );
    await closeEditors();
  });
});
