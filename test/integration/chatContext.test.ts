// The chat and the editor in a real VS Code: the webview loads under its CSP
// and says ready, Ask About Selection, secret-looking and git-ignored files
// needing confirmation, the current-file toggle skipping them, code actions
// and export to Markdown.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chatFixture, resetChatSettings, workspaceFile, type ChatFixture } from './chatHelpers';
import { waitFor } from './helpers';

describe('chat: view, editor context and actions', function () {
  this.timeout(30_000);
  let f: ChatFixture | undefined;

  afterEach(async () => {
    await f?.close();
    f = undefined;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await resetChatSettings();
  });

  it('loads the webview under a strict CSP; it says ready and gets the state', async () => {
    f = await chatFixture({ reply: 'hi' });
    const view = f.api.chat.view;
    const before = view.readyCount;
    await vscode.commands.executeCommand('hearth.chat.focus');
    await waitFor('the webview to say ready', () => view.readyCount > before || (view.visible && view.readyCount > 0), 20_000);
    const html = view.lastHtml;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{20,})'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
    // Styles, fonts and images only from the webview's own resource origin (VS Code's cspSource), images also from data:.
    const directive = (name: string) => new RegExp(`${name} ([^;]+)`).exec(csp)?.[1];
    const own = directive('style-src');
    assert.ok(own && !/\bhttps?:(?!\/\/\*\.vscode-cdn\.net)/.test(own), `style-src is only the webview's own source: ${own}`);
    assert.equal(directive('font-src'), own);
    assert.equal(directive('img-src'), `${own} data:`);
    assert.ok(!/connect-src|frame-src|media-src/.test(csp), 'everything else falls back to none');
    assert.equal(directive('base-uri'), "'none'", 'no <base> can redirect relative URLs');
    assert.equal(directive('form-action'), "'none'", 'no form can submit anywhere');
    const options = view.lastOptions;
    assert.equal(options?.enableForms, false);
    assert.equal(options?.enableCommandUris, false);
    assert.deepEqual(
      options?.localResourceRoots?.map((u) => u.path.replace(/^.*\/(dist\/webview)$/, '$1')),
      ['dist/webview'],
      "only the webview's own files",
    );
    const extensionDir = vscode.extensions.getExtension('hearth.hearth')!.extensionUri;
    assert.ok(
      fs.existsSync(vscode.Uri.joinPath(extensionDir, 'dist', 'webview', 'webview.js').fsPath) &&
        fs
          .readdirSync(vscode.Uri.joinPath(extensionDir, 'dist', 'webview').fsPath)
          .every((n) => /^(webview\.(js|css)(\.map)?|codicon-.*\.ttf)$/.test(n)),
      'dist/webview holds the webview bundle and nothing else',
    );
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}"`));
    await waitFor('a state message after ready', () => f!.posts.some((m) => m.type === 'state'), 5000);
  });

  it('Ask About Selection attaches the selection with its file and lines', async () => {
    f = await chatFixture({ reply: 'explained' });
    const doc = await vscode.workspace.openTextDocument(workspaceFile('src/app.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 3, doc.lineAt(3).text.length);
    await vscode.commands.executeCommand('hearth.chat.askAboutSelection');
    const chips = f.api.chat.attachments.chips();
    assert.deepEqual(
      chips.map((c) => [c.kind, c.label]),
      [['selection', 'app.ts:2-4']],
    );
    await f.api.chat.controller.send(
      'What does this do?',
      chips.map((c) => c.id),
    );
    const user = f.routes.last.messages.at(-1).content as string;
    assert.ok(user.startsWith('Selection from `src/app.ts` (lines 2-4):\n```typescript\n'), user.slice(0, 80));
    assert.ok(user.includes(doc.lineAt(2).text));
    assert.ok(user.endsWith('What does this do?'));
    const state = f.api.chat.controller.state();
    assert.equal(state.current?.messages[0].attachments?.[0].label, 'app.ts:2-4', 'the message keeps its chip');
    assert.deepEqual(state.attachments, [], 'attachments go with the message they were sent with');
  });

  it('asks before attaching secret-looking or git-ignored files, and attaches ordinary ones without asking', async () => {
    f = await chatFixture({ reply: 'ok' });
    const asked: string[] = [];
    let answer = false;
    f.api.chat.ui.confirm = async (message, detail) => {
      asked.push(`${message} | ${detail}`);
      return answer;
    };
    const editor = f.api.chat.attachments;
    assert.equal(await editor.addFile(workspaceFile('.env')), false, 'declined: not attached');
    assert.match(asked[0], /Attach \.env.*may hold secrets/);
    assert.equal(editor.chips().length, 0);
    assert.equal(await editor.addFile(workspaceFile('secret/notes.txt')), false);
    assert.match(asked[1], /ignored by \.gitignore/);
    assert.equal(await editor.addFile(workspaceFile('src/format.ts')), true);
    assert.equal(asked.length, 2, 'an ordinary file attaches without a question');
    answer = true;
    assert.equal(await editor.addFile(workspaceFile('.env')), true, 'confirmed: attached');
    assert.deepEqual(
      editor.chips().map((c) => c.label),
      ['format.ts', '.env'],
    );
    await f.api.chat.controller.send('check these');
    const sent = f.routes.last.messages.at(-1).content as string;
    assert.ok(sent.includes('File `src/format.ts`') && sent.includes('sk-fake-hearth-test-key'), 'confirmed files are sent');
  });

  it('never attaches a secret-looking current file automatically, and says so', async () => {
    f = await chatFixture({ reply: 'ok' });
    let asked = 0;
    f.api.chat.ui.confirm = async () => {
      asked++;
      return true;
    };
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('.env')));
    await f.api.chat.controller.handle({ type: 'toggleCurrentFile', on: true });
    await f.api.chat.controller.handle({ type: 'toggleProblems', on: true });
    await f.api.chat.controller.send('what is in my file?');
    const sent = JSON.stringify(f.routes.last.messages);
    assert.ok(!sent.includes('sk-fake-hearth-test-key'), 'the secret was not sent');
    assert.equal(asked, 0, 'automatic context never asks; it skips');
    const reply = f.api.chat.controller.current.messages[1];
    assert.ok(
      reply.notes?.some((n) => /\.env was not attached automatically/.test(n)),
      JSON.stringify(reply.notes),
    );

    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('src/format.ts')));
    await f.api.chat.controller.send('and this one?');
    assert.ok(
      (f.routes.last.messages.at(-1).content as string).startsWith('File `src/format.ts`:'),
      'an ordinary current file is attached',
    );
    await f.api.chat.controller.handle({ type: 'toggleCurrentFile', on: false });
    await f.api.chat.controller.handle({ type: 'toggleProblems', on: false });
  });

  it('inserts code at the cursor, opens it in a new editor with its language, copies it', async () => {
    f = await chatFixture();
    const c = f.api.chat.controller;
    const doc = await vscode.workspace.openTextDocument({ content: 'before\n', language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    await c.handle({ type: 'insertCode', code: 'inserted();\n', language: 'ts' });
    assert.equal(doc.getText(), 'before\ninserted();\n');
    await c.handle({ type: 'openInNewFile', code: 'print(1)\n', language: 'py' });
    const opened = vscode.window.activeTextEditor?.document;
    assert.equal(opened?.getText(), 'print(1)\n');
    assert.equal(opened?.languageId, 'python');
    await c.handle({ type: 'copy', text: 'copied text' });
    assert.equal(await vscode.env.clipboard.readText(), 'copied text');
  });

  it('opens a link only after a confirmation that shows the real URL', async () => {
    f = await chatFixture();
    const asked: string[] = [];
    f.api.chat.ui.confirm = async (_message, detail) => {
      asked.push(detail);
      return false;
    };
    await f.api.chat.controller.handle({ type: 'openLink', url: 'https://example.com/a?b=c' });
    assert.deepEqual(asked, ['https://example.com/a?b=c']);
    await f.api.chat.controller.handle({ type: 'openLink', url: 'javascript:alert(1)' });
    await f.api.chat.controller.handle({ type: 'openLink', url: 'command:workbench.action.quit' });
    assert.equal(asked.length, 1, 'other schemes are refused without asking');
  });

  it('exports a conversation to Markdown', async () => {
    f = await chatFixture({ reply: 'An **answer**.' });
    await f.api.chat.controller.send('Export me');
    const target = vscode.Uri.file(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-export-')), 'chat.md'));
    f.api.chat.ui.saveTarget = async (suggested) => {
      assert.match(suggested.path, /Export me\.md$/);
      return target;
    };
    await f.api.chat.controller.handle({ type: 'exportConversation', id: f.api.chat.controller.current.id });
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(text, /^# Export me\n/);
    assert.match(text, /## You\n\nExport me\n\n## Assistant\n\nAn \*\*answer\*\*\./);
    fs.rmSync(path.dirname(target.fsPath), { recursive: true, force: true });
  });
});
