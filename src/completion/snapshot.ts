// A VS Code document as the completion engine sees it: a DocumentSnapshot
// whose lines are read on demand and remembered, so a 5,000-line file costs
// only the lines the engine touches, and the lines it read stay as they were
// even after the user edits on (the engine prefetches and warms up later,
// from the same snapshot).
import * as vscode from 'vscode';
import type { DocumentSnapshot } from '../core/completion/context';

/** The path shown to the model: workspace-relative for files, the name for untitled documents. */
export function promptFileName(uri: vscode.Uri): string {
  if (uri.scheme === 'untitled') return uri.path;
  return vscode.workspace.asRelativePath(uri);
}

export interface SnapshotOptions {
  editor?: vscode.TextEditor;
  /** The suggest widget's selected item: complete as if it were already inserted. */
  selected?: { range: vscode.Range; text: string };
}

export function snapshotOf(document: vscode.TextDocument, position: vscode.Position, options: SnapshotOptions = {}): DocumentSnapshot {
  const version = document.version;
  const lineCount = document.lineCount;
  const memo = new Map<number, string>();
  let line = position.line;
  let character = position.character;
  const selected = options.selected;
  if (selected && selected.range.start.line === line && selected.range.end.line === line) {
    const text = document.lineAt(line).text;
    const start = selected.range.start.character;
    memo.set(line, text.slice(0, start) + selected.text + text.slice(Math.max(selected.range.end.character, character)));
    character = start + selected.text.length;
  }
  const lineAt = (i: number): string => {
    const known = memo.get(i);
    if (known !== undefined) return known;
    // After an edit, lines nobody read before are unknown: empty, never another version's text.
    if (i < 0 || i >= lineCount || document.isClosed || document.version !== version) return '';
    const text = document.lineAt(i).text;
    memo.set(i, text);
    return text;
  };
  const editor = options.editor;
  const selections = editor?.selections ?? [];
  const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : 4;
  const insertSpaces = typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : true;
  line = Math.min(line, Math.max(0, lineCount - 1));
  return {
    lineCount,
    lineAt,
    line,
    character,
    fileName: promptFileName(document.uri),
    languageId: document.languageId,
    hasSelection: selections.some((s) => !s.isEmpty),
    cursorCount: Math.max(1, selections.length),
    indent: { insertSpaces, tabSize },
  };
}
