// The selection actions in a real VS Code against a fake llama.cpp: Fix shows
// a diff to accept or reject, Document inserts a comment above the symbol,
// Write Tests opens an untitled file, Explain asks in the chat, Cancel aborts
// the request, and the task model is picked like the other two.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PROPOSAL_SCHEME } from '../../src/proposals';
import { EXPLAIN_PROMPT } from '../../src/tasks/selection';
import { hearth, setUserSetting, waitFor } from './helpers';
import { messageOf, TASK_MODEL, TASK_SERVER, tasksFixture, type TasksFixture } from './tasksHelpers';

const BROKEN = ['export function add(a: number, b: number): number {', '  return a +;', '}', ''].join('\n');

/** A new file in the workspace, open in an editor with `lines` (0-based, inclusive) selected. */
async function openWith(text: string, name: string, lines?: [number, number]): Promise<vscode.TextEditor> {
  const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const file = path.join(fs.mkdtempSync(path.join(root, 'actions-')), name);
  fs.writeFileSync(file, text);
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(file));
  if (lines) editor.selection = new vscode.Selection(lines[0], 0, lines[1], editor.document.lineAt(lines[1]).text.length);
  return editor;
}

function proposalTabs(): vscode.TabInputTextDiff[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .map((t) => t.input)
    .filter((i): i is vscode.TabInputTextDiff => i instanceof vscode.TabInputTextDiff && i.modified.scheme === PROPOSAL_SCHEME);
}

describe('tasks: selection actions', function () {
  this.timeout(60_000);
  let f: TasksFixture | undefined;

  afterEach(async () => {
    await f?.close();
    f = undefined;
    await setUserSetting('servers', undefined);
  });

  it('Fix shows the corrected code as a diff; Accept applies it', async () => {
    const fixed = {
      code: 'export function add(a: number, b: number): number {\n  return a + b;\n}',
      explanation: 'The right operand was missing.',
    };
    f = await tasksFixture({ reply: JSON.stringify(fixed) });
    const editor = await openWith(BROKEN, 'add.ts', [0, 2]);
    await vscode.commands.executeCommand('hearth.tasks.fix');
    assert.deepEqual(f.errors.map(messageOf), []);
    const [tab] = await waitFor('the diff editor', () => (proposalTabs().length ? proposalTabs() : undefined));
    assert.equal(tab.original.toString(), editor.document.uri.toString(), 'the file as it is on the left');
    const proposed = await vscode.workspace.openTextDocument(tab.modified);
    assert.equal(proposed.getText(), 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    assert.ok(
      f.asked.some((q) => q.includes('The right operand was missing.')),
      'the explanation is shown with Accept and Reject',
    );
    const body = f.routes.requests[0].body;
    assert.match(body.messages[1].content, /add\.ts, lines 1-3:\n```typescript\nexport function add/);
    assert.equal(editor.document.getText(), BROKEN, 'nothing changes before Accept');

    await vscode.commands.executeCommand('hearth.tasks.acceptProposal', tab.modified);
    assert.equal(editor.document.getText(), 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    await waitFor('the diff to close', () => proposalTabs().length === 0);
  });

  it('Fix: Reject leaves the file, and a file changed meanwhile is not overwritten', async () => {
    f = await tasksFixture({ reply: JSON.stringify({ code: '  return a + b;', explanation: 'Added b.' }) });
    const editor = await openWith(BROKEN, 'add.ts', [1, 1]);
    await vscode.commands.executeCommand('hearth.tasks.fix');
    const [first] = await waitFor('the diff editor', () => (proposalTabs().length ? proposalTabs() : undefined));
    await vscode.commands.executeCommand('hearth.tasks.rejectProposal', first.modified);
    await waitFor('the diff to close', () => proposalTabs().length === 0);
    assert.equal(editor.document.getText(), BROKEN);

    await vscode.window.showTextDocument(editor.document);
    editor.selection = new vscode.Selection(1, 0, 1, 5);
    await vscode.commands.executeCommand('hearth.tasks.fix');
    const [second] = await waitFor('the second diff', () => (proposalTabs().length ? proposalTabs() : undefined));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(editor.document.uri, new vscode.Range(1, 0, 1, 5), '  // ');
    await vscode.workspace.applyEdit(edit);
    const changed = editor.document.getText();
    assert.equal(await f.api.tasks.proposals.accept(second.modified), 'stale');
    assert.equal(editor.document.getText(), changed, 'the change is not applied over the edit');
  });

  it('Document inserts the comment above the function, in the language style', async () => {
    f = await tasksFixture({ reply: JSON.stringify({ comment: 'Adds two numbers.\n@param a the first\n@param b the second' }) });
    const editor = await openWith(`// math\n${BROKEN}`, 'math.ts', [1, 3]);
    await vscode.commands.executeCommand('hearth.tasks.document');
    assert.deepEqual(f.errors.map(messageOf), []);
    assert.equal(
      editor.document.getText(),
      `// math\n/**\n * Adds two numbers.\n * @param a the first\n * @param b the second\n */\n${BROKEN}`,
    );
  });

  it('Write Tests opens a new untitled file in the language', async () => {
    const tests = "import { add } from './add';\n\ntest('adds', () => expect(add(1, 2)).toBe(3));";
    f = await tasksFixture({ reply: JSON.stringify({ code: tests }) });
    await openWith(BROKEN, 'add.ts');
    await vscode.commands.executeCommand('hearth.tasks.writeTests');
    assert.deepEqual(f.errors.map(messageOf), []);
    const doc = await waitFor(
      'the untitled test file',
      () => vscode.window.activeTextEditor?.document.isUntitled && vscode.window.activeTextEditor.document,
    );
    assert.equal(doc.languageId, 'typescript');
    assert.equal(doc.getText(), `${tests}\n`);
    assert.match(f.routes.requests[0].body.messages[1].content, /Write tests for this:\n\nactions-\w+\/add\.ts, lines 1-4/);
  });

  it('Cancel aborts the request: no change, no error, the server sees the client go away', async () => {
    f = await tasksFixture({ reply: JSON.stringify({ code: 'x', explanation: 'y' }), delayMs: 20_000 });
    const editor = await openWith(BROKEN, 'add.ts', [0, 2]);
    const running = vscode.commands.executeCommand('hearth.tasks.fix');
    await waitFor('the request', () => f!.routes.requests.length === 1);
    assert.equal(f.api.tasks.runner.busy, true);
    f.api.tasks.runner.cancel();
    await running;
    assert.deepEqual(f.errors, []);
    assert.equal(proposalTabs().length, 0);
    assert.equal(editor.document.getText(), BROKEN);
    await waitFor('the server to see the client go away', () => f!.routes.clientAborts === 1, 3000);
  });

  it('Explain asks in the chat with the selection attached', async () => {
    f = await tasksFixture({ reply: 'It adds two numbers, but the second operand is missing.', expectStructured: undefined });
    const api = await hearth();
    await api.chat.controller.ready;
    await api.chat.controller.newChat();
    await openWith(BROKEN, 'add.ts', [0, 2]);
    await vscode.commands.executeCommand('hearth.tasks.explain');
    const conv = api.chat.controller.current;
    assert.equal(conv.messages.length, 2);
    const [question, answer] = conv.messages;
    assert.equal(question.content, EXPLAIN_PROMPT);
    assert.equal(question.attachments?.length, 1);
    assert.equal(question.attachments?.[0].kind, 'selection');
    assert.deepEqual(question.attachments?.[0].lines, { start: 1, end: 3 });
    assert.equal(answer.content, 'It adds two numbers, but the second operand is missing.');
    const body = f.routes.last;
    assert.equal(body.stream, true, 'the chat streams');
    assert.ok(body.messages[body.messages.length - 1].content.includes('return a +;'), 'the selection went with the question');
  });

  it('Select Task Model picks a model for the commands, or the chat model again', async () => {
    f = await tasksFixture({});
    const api = f.api;
    const choose = async (label: RegExp) => {
      const done = vscode.commands.executeCommand('hearth.selectTaskModel');
      const qp = await waitFor('the quick pick', () => api.picker.current);
      // The list is drawn again when discovery ends (with the current choice active): wait for that first.
      await waitFor('discovery to end', () => !qp.busy);
      const item = await waitFor(`${label} in the quick pick`, () => qp.items.find((i) => label.test(i.label)));
      assert.equal(qp.title, 'Hearth: Select Task Model (Commit Message, Document, Fix, Write Tests)');
      // The workbench applies activeItems a moment later and says so: accept only then.
      const applied = new Promise<void>((resolve) => {
        const listener = qp.onDidChangeActive((active) => {
          if (active[0]?.label !== item.label) return;
          listener.dispose();
          resolve();
        });
      });
      qp.activeItems = [item];
      await applied;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await done;
    };
    await choose(new RegExp(`^${TASK_MODEL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    assert.deepEqual(api.choice.get('task'), { server: TASK_SERVER, model: TASK_MODEL });
    await choose(/Same as the chat model$/);
    assert.equal(api.choice.get('task'), undefined);
  });
});
