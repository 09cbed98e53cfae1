// A VS Code document as the completion engine sees it (see lazySnapshot):
// the workspace-relative file name, the editor's selections and indentation,
// and the suggest widget's selected item when one is shown.
import * as vscode from 'vscode';
import type { DocumentSnapshot } from '../core/completion/excerpt';
import { lazySnapshot } from '../core/completion/lazySnapshot';

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
  const source = {
    get lineCount() {
      return document.lineCount;
    },
    get version() {
      return document.version;
    },
    get isClosed() {
      return document.isClosed;
    },
    lineAt: (i: number) => document.lineAt(i).text,
  };
  const { editor, selected } = options;
  const selections = editor?.selections ?? [];
  const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : 4;
  const insertSpaces = typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : true;
  const replace =
    selected && selected.range.isSingleLine && selected.range.start.line === position.line
      ? { line: position.line, start: selected.range.start.character, end: selected.range.end.character, text: selected.text }
      : undefined;
  return lazySnapshot(
    source,
    position.line,
    position.character,
    {
      fileName: promptFileName(document.uri),
      languageId: document.languageId,
      hasSelection: selections.some((s) => !s.isEmpty),
      cursorCount: Math.max(1, selections.length),
      indent: { insertSpaces, tabSize },
    },
    replace,
  );
}
