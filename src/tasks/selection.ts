// The selection actions (editor context menu, palette): Document inserts a
// doc comment above the symbol, Fix shows the corrected code as a diff to
// accept or reject, Write Tests opens a new untitled file, Explain asks in
// the chat with the selection attached.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { truncateText } from '../core/chat/attachments';
import { estimateTokens } from '../core/chat/budget';
import { docPlace, formatDocComment } from '../core/tasks/docComment';
import {
  DOCUMENT_SCHEMA,
  FIX_SCHEMA,
  TESTS_SCHEMA,
  documentMessages,
  fitReplacement,
  fixMessages,
  testsMessages,
  type DocumentAnswer,
  type FixAnswer,
  type TestsAnswer,
} from '../core/tasks/selection';
import type { Logger } from '../core/types';
import type { ChatApi } from '../chat';
import type { FilePolicy } from '../filePolicy';
import { codeContext, maySend, mustFit, problemsIn, selectedLines, symbolFor, wholeLines } from './code';
import type { Proposals } from '../proposals';
import type { TaskRunner } from './runner';
import type { TasksUi } from './ui';

export interface SelectionDeps {
  runner: TaskRunner;
  ui: TasksUi;
  proposals: Proposals;
  log: Logger;
  chat: ChatApi;
  files: FilePolicy;
}

/** The editor a command is about, or undefined after telling the user what to do. */
function editorFor(ui: TasksUi, what: string): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) ui.info(`Hearth: open a file and select the code to ${what}.`);
  return editor;
}

const again = (command: string) => () => vscode.commands.executeCommand(command);

/** Hearth: Document — a doc comment in the language's style, inserted above the symbol (Python: under its `def`). */
export async function documentCode(d: SelectionDeps): Promise<void> {
  const editor = editorFor(d.ui, 'document');
  if (!editor || !(await maySend(editor.document, d.ui, d.files))) return;
  const doc = editor.document;
  const symbol = await symbolFor(editor);
  const range = symbol ? wholeLines(doc, symbol.range.start.line, symbol.range.end.line) : selectedLines(editor);
  if (!range) {
    d.ui.info('Hearth: put the cursor in a function, class or method, or select the code to document.');
    return;
  }
  const context = codeContext(doc, range);
  const result = await d.runner.run<DocumentAnswer>(
    {
      title: `Documenting ${symbol?.name ?? path.basename(doc.fileName)}…`,
      name: 'doc_comment',
      schema: DOCUMENT_SCHEMA,
      maxTokens: 800,
      // The start of a long symbol says what it is; the rest may be cut.
      prompt: (room) => documentMessages({ ...context, code: truncateText(context.code, Math.max(600, (room - 400) * 3)) }),
    },
    again('hearth.tasks.document'),
  );
  if (!result) return;
  const lines = doc.getText().split(/\r?\n/);
  const unit = editor.options.insertSpaces === false ? '\t' : ' '.repeat(Number(editor.options.tabSize) || 4);
  const place = docPlace(doc.languageId, lines, range.start.line, unit);
  if (doc.isClosed || range.start.line >= doc.lineCount || doc.lineAt(range.start.line).text !== context.code.split(/\r?\n/)[0]) {
    d.ui.info(
      `Hearth: ${path.basename(doc.fileName)} changed while the comment was being written; it was not inserted. Run Document again.`,
    );
    return;
  }
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const comment = formatDocComment(doc.languageId, result.value.comment, place.indent).join(eol) + eol;
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, new vscode.Position(place.line, 0), comment);
  await vscode.workspace.applyEdit(edit);
}

/** Hearth: Fix — the selection corrected for its problems, shown as a diff to accept or reject. */
export async function fixCode(d: SelectionDeps): Promise<void> {
  const editor = editorFor(d.ui, 'fix');
  if (!editor || !(await maySend(editor.document, d.ui, d.files))) return;
  const doc = editor.document;
  let range = selectedLines(editor);
  if (!range) {
    // No selection: the problems on the cursor's line, else the symbol around the cursor.
    const line = editor.selection.active.line;
    const here = problemsIn(doc.uri, doc.lineAt(line).range);
    const symbol = here.length ? undefined : await symbolFor(editor);
    range = symbol
      ? wholeLines(doc, symbol.range.start.line, symbol.range.end.line)
      : here.length
        ? wholeLines(doc, line, line)
        : undefined;
  }
  if (!range) {
    d.ui.info('Hearth: select the code to fix.');
    return;
  }
  const fixRange = range;
  const context = codeContext(doc, fixRange);
  const problems = problemsIn(doc.uri, fixRange);
  const result = await d.runner.run<FixAnswer>(
    {
      title: `Fixing ${path.basename(doc.fileName)}:${fixRange.start.line + 1}-${fixRange.end.line + 1}…`,
      name: 'code_fix',
      schema: FIX_SCHEMA,
      maxTokens: Math.min(8192, Math.ceil(estimateTokens(context.code) * 1.5) + 400),
      prompt: (room, model) => {
        mustFit(context.code, room, model, 'code to fix');
        return fixMessages(context, problems);
      },
    },
    again('hearth.tasks.fix'),
  );
  if (!result) return;
  const replacement = fitReplacement(context.code, result.value.code);
  if (replacement === context.code) {
    d.ui.info(`Hearth: the model proposes no change. ${result.value.explanation}`);
    return;
  }
  const shown = await d.proposals.propose({
    uri: doc.uri,
    range: fixRange,
    original: context.code,
    replacement,
    label: 'Fix',
    detail: result.value.explanation,
  });
  void shown.outcome.then((outcome) => d.log.info(`fix: ${outcome}`));
}

/** Hearth: Write Tests — a test file for the selection (or the file) in a new untitled editor. */
export async function writeTests(d: SelectionDeps): Promise<void> {
  const editor = editorFor(d.ui, 'test');
  if (!editor || !(await maySend(editor.document, d.ui, d.files))) return;
  const doc = editor.document;
  const range = selectedLines(editor) ?? wholeLines(doc, 0, doc.lineCount - 1);
  const context = codeContext(doc, range);
  const result = await d.runner.run<TestsAnswer>(
    {
      title: `Writing tests for ${path.basename(doc.fileName)}…`,
      name: 'unit_tests',
      schema: TESTS_SCHEMA,
      maxTokens: 2048,
      prompt: (room, model) => {
        mustFit(context.code, room, model, editor.selection.isEmpty ? 'file' : 'selection');
        return testsMessages(context);
      },
    },
    again('hearth.tasks.writeTests'),
  );
  if (!result) return;
  const code = fitReplacement('', result.value.code);
  const tests = await vscode.workspace.openTextDocument({ language: doc.languageId, content: `${code}\n` });
  await vscode.window.showTextDocument(tests, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

export const EXPLAIN_PROMPT =
  'Explain what the attached code does: its purpose, how it works step by step, and anything surprising or likely to be a bug.';

/** Hearth: Explain — the selection attached to a chat message asking for an explanation, answered in the chat. */
export async function explainCode(d: SelectionDeps): Promise<void> {
  const editor = editorFor(d.ui, 'explain');
  if (!editor) return;
  const { controller, attachments, view } = d.chat;
  await controller.ready;
  if (controller.busy) {
    d.ui.info('Hearth: the chat is still answering; wait for it or press Stop, then run Explain again.');
    return;
  }
  const before = new Set(attachments.chips().map((c) => c.id));
  if (!(await attachments.addSelection(editor))) return;
  const added = attachments
    .chips()
    .filter((c) => !before.has(c.id))
    .map((c) => c.id);
  await view.reveal();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Hearth: Explaining in the chat…', cancellable: true },
    async (_progress, token) => {
      const stop = token.onCancellationRequested(() => void controller.stop());
      try {
        await controller.send(EXPLAIN_PROMPT, added);
      } finally {
        stop.dispose();
      }
    },
  );
}
