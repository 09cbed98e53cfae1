// What the selection actions read from the editor: the code they are about
// (the selection in whole lines, or the symbol at the cursor), its problems,
// and whether its file may be sent at all.
import * as vscode from 'vscode';
import { estimateTokens } from '../core/chat/budget';
import type { Problem } from '../core/chat/types';
import { HearthError } from '../core/errors';
import { describeReason } from '../core/filePolicy';
import type { CodeContext } from '../core/tasks/selection';
import { toProblem } from '../chat/attachments';
import { shownPath, type FilePolicy } from '../filePolicy';
import type { TasksUi } from './ui';

/** The lines `start`..`end` (0-based, inclusive) as a range from the first column to the end of the last line. */
export function wholeLines(doc: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
}

/** The selection in whole lines; a selection ending at column 0 of a line leaves that line out. Undefined when empty. */
export function selectedLines(editor: vscode.TextEditor): vscode.Range | undefined {
  const sel = editor.selection;
  if (sel.isEmpty) return undefined;
  const end = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  return wholeLines(editor.document, sel.start.line, end);
}

interface FoundSymbol {
  name: string;
  range: vscode.Range;
}

/** The document's symbols, flattened, from the language's symbol provider ([] when it has none). */
async function symbols(doc: vscode.TextDocument): Promise<FoundSymbol[]> {
  const found = await vscode.commands
    .executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri)
    .then(
      (s) => s ?? [],
      () => [],
    );
  const out: FoundSymbol[] = [];
  const walk = (list: (vscode.DocumentSymbol | vscode.SymbolInformation)[]) => {
    for (const s of list) {
      if ('location' in s) out.push({ name: s.name, range: s.location.range });
      else {
        out.push({ name: s.name, range: s.range });
        walk(s.children ?? []);
      }
    }
  };
  walk(found);
  return out;
}

/**
 * The symbol a command is about: with a selection, the first symbol that
 * starts inside it (else the innermost one around its start); without one,
 * the innermost symbol around the cursor. Undefined when the language has
 * no symbols there.
 */
export async function symbolFor(editor: vscode.TextEditor): Promise<FoundSymbol | undefined> {
  const all = await symbols(editor.document);
  const sel = editor.selection;
  if (!sel.isEmpty) {
    const lines = selectedLines(editor)!;
    const inside = all.filter((s) => lines.contains(s.range.start)).sort((a, b) => a.range.start.compareTo(b.range.start));
    if (inside.length) return inside[0];
  }
  const around = all.filter((s) => s.range.contains(sel.start));
  around.sort((a, b) => b.range.start.compareTo(a.range.start) || a.range.end.compareTo(b.range.end));
  return around[0];
}

/** The diagnostics that touch `range`, as plain problems. */
export function problemsIn(uri: vscode.Uri, range: vscode.Range): Problem[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.range.intersection(range) !== undefined || range.contains(d.range.start))
    .map(toProblem);
}

/** The code of `range` with where it comes from. */
export function codeContext(doc: vscode.TextDocument, range: vscode.Range): CodeContext {
  return { path: shownPath(doc.uri, doc), language: doc.languageId, code: doc.getText(range), startLine: range.start.line + 1 };
}

/**
 * Whether `doc` may be sent: the file policy the chat and completion use
 * (secret-looking, ignored or outside the workspace) asks the user first.
 */
export async function maySend(doc: vscode.TextDocument, ui: TasksUi, files: FilePolicy): Promise<boolean> {
  const { shown, reason } = await files.check(doc.uri, doc);
  if (!reason) return true;
  return ui.confirm(
    `Send code from ${shown} to the model?`,
    `${shown}: ${describeReason(reason)}. Its code will be sent to the model server.`,
    'Send',
  );
}

/** Throws a clear error when `code` cannot fit the room the model's context leaves. */
export function mustFit(code: string, room: number, model: string, what: string): void {
  const tokens = estimateTokens(code);
  if (tokens + 300 <= room) return;
  throw new HearthError(
    'contextExceeded',
    `The ${what} (~${tokens.toLocaleString('en-US')} tokens) is too long for the context of "${model}" ` +
      `(${room.toLocaleString('en-US')} tokens left for it). Select less code, or use a model with a longer context.`,
    { actions: ['selectModel', 'showLog'], model },
  );
}
