// The chat's tools in the extension host, on the fixture workspace: what they
// read, and what the file policy refuses (a .env, an ignored folder, a path
// outside the workspace, a symlink out of it); propose_edit's diff with
// Accept, Reject and Stop.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkToolCalls } from '../../src/core/chat/toolCalls';
import type { ToolOutcome } from '../../src/core/chat/tools';
import type { HearthApi } from '../../src/extension';
import { hearth, waitFor } from './helpers';
import { workspaceFile } from './chatHelpers';

let api: HearthApi;

/** Runs a tool the way the chat does: the arguments as JSON text, checked against the tool's schema first. */
async function run(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolOutcome> {
  const turn = checkToolCalls([{ index: 0, id: 't0', name, arguments: JSON.stringify(args) }], api.chat.tools.specs());
  assert.ok(turn.ok, turn.ok ? '' : turn.summary);
  return api.chat.tools.run(turn.calls[0], signal);
}

async function open(rel: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(rel)), { preview: false });
}

describe('chat tools', function () {
  this.timeout(30_000);
  before(async () => {
    api = await hearth();
  });
  afterEach(async () => {
    for (const uri of api.tasks.proposals.open()) await api.tasks.proposals.reject(uri);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('read_file reads a workspace file whole or by lines, and says what is missing', async () => {
    const whole = await run('read_file', { path: 'src/format.ts' });
    assert.equal(whole.status, 'ok');
    assert.match(whole.content, /^src\/format\.ts \(\d+ lines\):\nexport function clamp/);
    const some = await run('read_file', { path: './src/format.ts', startLine: 5, endLine: 6 });
    assert.match(some.content, /^src\/format\.ts, lines 5-6 of \d+:\nexport function formatTotal\(amount: number\): string \{\n {2}return/);
    assert.equal(some.summary.startsWith('lines 5-6 of'), true);
    const missing = await run('read_file', { path: 'src/nope.ts' });
    assert.equal(missing.status, 'error');
    assert.equal(missing.content, 'Cannot read src/nope.ts: it does not exist.');
    assert.match((await run('read_file', { path: 'src' })).content, /it is a folder \(use list_dir\)/);
  });

  it('refuses a .env, an ignored folder, paths outside the workspace and a symlink out of it, saying why', async () => {
    const env = await run('read_file', { path: '.env' });
    assert.equal(env.status, 'refused');
    assert.match(env.content, /^Refused: \.env is not shared with the model because it looks like it may hold secrets/);
    assert.doesNotMatch(env.content, /sk-fake/);
    assert.match((await run('read_file', { path: 'secret/notes.txt' })).content, /because it is ignored by \.gitignore/);
    assert.match((await run('read_file', { path: '../outside.txt' })).content, /^Refused: "\.\.\/outside\.txt" is outside the workspace/);
    assert.match((await run('read_file', { path: '/etc/hostname' })).content, /is not a workspace-relative path/);
    assert.match((await run('list_dir', { path: 'src/../..' })).content, /is outside the workspace/);

    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tools-'));
    fs.writeFileSync(path.join(outside, 'notes.md'), 'private notes\n');
    const link = workspaceFile('src/linked-notes.md').fsPath;
    fs.symlinkSync(path.join(outside, 'notes.md'), link);
    try {
      const linked = await run('read_file', { path: 'src/linked-notes.md' });
      assert.equal(linked.status, 'refused');
      assert.match(linked.content, /because it is not a file of this workspace/);
      assert.doesNotMatch(linked.content, /private notes/);
      assert.doesNotMatch((await run('list_dir', { path: 'src' })).content, /linked-notes/);
      assert.doesNotMatch((await run('search_text', { query: 'private notes' })).content, /linked-notes/);
    } finally {
      fs.rmSync(link, { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('list_dir, find_files and search_text leave out what the policy refuses, and say so', async () => {
    const root = await run('list_dir', { path: '.' });
    assert.match(root.content, /^\.:\n/);
    assert.match(root.content, /^src\/$/m);
    assert.match(root.content, /^README\.md$/m);
    assert.doesNotMatch(root.content, /^\.env$|^secret\/$/m);
    assert.match(root.content, /\(\d+ entries not shown: ignored, secret-looking or leading outside the workspace\)/);

    const ts = await run('find_files', { glob: '**/*.ts' });
    assert.deepEqual(
      ts.content.split('\n').filter((l) => l.endsWith('.ts')),
      ['src/app.ts', 'src/format.ts'],
    );
    const hidden = await run('find_files', { glob: 'secret/**' });
    assert.match(hidden.content, /^No workspace file matches "secret\/\*\*"\.\n\(1 file not shown: ignored or secret-looking\)$/);

    const found = await run('search_text', { query: 'export function clamp' });
    assert.match(found.content, /^src\/format\.ts:1: export function clamp\(value: number, low: number, high: number\): number \{$/m);
    assert.equal(found.summary, '1 match in 1 file');
    const secret = await run('search_text', { query: 'OPENAI_API_KEY' });
    assert.match(secret.content, /^No line matches "OPENAI_API_KEY"\./);
    const regex = await run('search_text', { query: 'function (clamp|formatTotal)', regex: true, glob: 'src/*.ts' });
    assert.equal(regex.summary, '2 matches in 1 file');
    assert.equal((await run('search_text', { query: '(', regex: true })).status, 'refused');
  });

  it('get_diagnostics, get_open_editors and get_selection show what the user sees, without refused files', async () => {
    const problems = vscode.languages.createDiagnosticCollection('hearth-tools-test');
    try {
      problems.set(workspaceFile('src/format.ts'), [
        new vscode.Diagnostic(new vscode.Range(1, 2, 1, 6), 'Unused thing', vscode.DiagnosticSeverity.Warning),
      ]);
      problems.set(workspaceFile('.env'), [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), 'secret problem')]);
      const all = await run('get_diagnostics', {});
      assert.match(all.content, /Problems in `src\/format\.ts`:\n- warning at line 2, column 3: Unused thing/);
      assert.doesNotMatch(all.content, /secret problem/);
      assert.match(all.content, /\(1 file with problems not shown/);
      assert.equal((await run('get_diagnostics', { path: '.env' })).status, 'refused');
    } finally {
      problems.dispose();
    }

    await open('.env');
    const editor = await open('src/format.ts');
    editor.selection = new vscode.Selection(4, 0, 5, 0);
    const editors = await run('get_open_editors', {});
    assert.equal(editors.content, 'src/format.ts (active)\n(1 file not shown: ignored, secret-looking or outside the workspace)');
    await waitFor('the editor to be the last one', () => api.chat.attachments.lastEditor === vscode.window.activeTextEditor);
    const selection = await run('get_selection', {});
    assert.match(selection.content, /^Selection in src\/format\.ts, lines 5-6:\nexport function formatTotal/);
    await open('.env');
    assert.equal((await run('get_selection', {})).status, 'refused');
  });

  it('propose_edit shows a diff; Accept applies it, Reject and Stop leave the file alone', async () => {
    const rel = 'src/tool-edit.ts';
    const file = workspaceFile(rel);
    fs.writeFileSync(file.fsPath, 'const a = 1;\nconst b = 2;\nconst b2 = 2;\n');
    const text = async () => (await vscode.workspace.openTextDocument(file)).getText();
    const proposals = api.tasks.proposals;
    try {
      const accepted = run('propose_edit', { path: rel, old_text: 'const a = 1;', new_text: 'const a = 10;', explanation: 'Bigger a.' });
      const shown = await waitFor('the diff', () => proposals.open()[0]);
      await waitFor('the diff editor', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff);
      await proposals.accept(shown);
      const result = await accepted;
      assert.deepEqual(result, {
        status: 'ok',
        content: `The user accepted the change; it was applied to ${rel} (lines 1-1).`,
        summary: 'accepted',
      });
      assert.equal(await text(), 'const a = 10;\nconst b = 2;\nconst b2 = 2;\n');

      const rejected = run('propose_edit', { path: rel, old_text: 'const b = 2;', new_text: 'const b = 3;' });
      await proposals.reject(await waitFor('the second diff', () => proposals.open()[0]));
      assert.equal((await rejected).content, `The user rejected the change; ${rel} is unchanged.`);

      const stop = new AbortController();
      const stopped = run('propose_edit', { path: rel, old_text: 'const b = 2;', new_text: 'const b = 4;' }, stop.signal);
      await waitFor('the third diff', () => proposals.open()[0]);
      stop.abort();
      assert.deepEqual(await stopped, { status: 'error', content: 'Stopped by the user; the change was not applied.', summary: 'stopped' });
      assert.deepEqual(proposals.open(), [], 'the diff is closed');
      assert.equal(await text(), 'const a = 10;\nconst b = 2;\nconst b2 = 2;\n');

      assert.match(
        (await run('propose_edit', { path: rel, old_text: 'const c', new_text: 'x' })).content,
        /old_text was not found in src\/tool-edit\.ts/,
      );
      assert.match((await run('propose_edit', { path: rel, old_text: ' = 2;', new_text: 'x' })).content, /old_text occurs 2 times/);
      assert.equal((await run('propose_edit', { path: '.env', old_text: 'OPENAI', new_text: 'x' })).status, 'refused');
      assert.deepEqual(proposals.open(), [], 'nothing was proposed for refused edits');
    } finally {
      await (await vscode.workspace.openTextDocument(file)).save();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file.fsPath, { force: true });
    }
  });
});
