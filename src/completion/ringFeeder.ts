// Feeds the extra-context ring from what the user does in the editor:
// - opened: a file's editor becomes active (chunk around its cursor);
// - edited: when the user leaves a file they edited (chunk around the last
//   edit), not on every keystroke, so the ring (which llama.cpp puts first in
//   the prompt) stays still while they type;
// - saved: chunk around the last edit (or the cursor);
// - copied: VS Code has no clipboard event, and rebinding Ctrl+C to read the
//   selection would risk breaking copy (in the browser an extension cannot
//   always write the clipboard). So Hearth takes a stand-in it can observe
//   honestly: a selection of 3 or more lines held for a moment (what one
//   selects to copy), chunked like copied text.
// Only files the file policy lets go without asking (workspace files, not
// git-ignored, not secret-looking, symlinks resolved).
import * as vscode from 'vscode';
import type { ExtraRing } from '../core/completion/ring';
import type { Logger } from '../core/types';
import { Disposables } from '../lifecycle';
import type { FilePolicy } from '../filePolicy';
import { promptFileName } from './snapshot';

export type RingEvent = 'opened' | 'edited' | 'saved' | 'selected';

const SCHEMES = new Set(['file', 'vscode-remote']);
const SELECTION_SETTLE_MS = 600;
const MIN_SELECTED_LINES = 3;

export interface FeederDeps {
  ring: ExtraRing;
  files: FilePolicy;
  log: Logger;
  /** The ring gained or lost a chunk. */
  onChanged(): void;
  /** An edit or a cursor move anywhere (the user is not idle). */
  onActivity(): void;
  /** Whether extra context is wanted at all (hearth.completion.extraContext). */
  enabled(): boolean;
}

export class RingFeeder implements vscode.Disposable {
  private readonly owned = new Disposables();
  /** Last edited line per document, until the user leaves or saves it. */
  private readonly edited = new Map<string, number>();
  /** Prompt file name → document URI, to re-check files when the ignore rules change. */
  private readonly files = new Map<string, vscode.Uri>();
  private selectionTimer?: ReturnType<typeof setTimeout>;
  private active?: vscode.TextDocument;
  /** Every chunk added, in order (tests and the log). */
  readonly added: { event: RingEvent; file: string; line: number }[] = [];

  constructor(private readonly deps: FeederDeps) {
    const w = vscode.window;
    const ws = vscode.workspace;
    this.owned.addAll(
      w.onDidChangeActiveTextEditor((editor) => this.activeChanged(editor)),
      ws.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        this.deps.onActivity();
        if (!SCHEMES.has(e.document.uri.scheme)) return;
        const last = e.contentChanges[e.contentChanges.length - 1];
        this.edited.set(e.document.uri.toString(), last.range.start.line + last.text.split('\n').length - 1);
      }),
      ws.onDidSaveTextDocument((doc) => {
        const key = doc.uri.toString();
        const line = this.edited.get(key) ?? this.cursorLine(doc);
        this.edited.delete(key);
        if (line !== undefined) void this.add(doc, 'saved', line);
      }),
      w.onDidChangeTextEditorSelection((e) => {
        this.deps.onActivity();
        this.selectionChanged(e.textEditor);
      }),
      ws.onDidCloseTextDocument((doc) => this.edited.delete(doc.uri.toString())),
      ws.onDidDeleteFiles((e) => e.files.forEach((uri) => this.forget(uri))),
      ws.onDidRenameFiles((e) => e.files.forEach((f) => this.forget(f.oldUri))),
      this.deps.files.onDidChange(() => void this.recheck()),
    );
    this.activeChanged(w.activeTextEditor);
  }

  private activeChanged(editor: vscode.TextEditor | undefined): void {
    const previous = this.active;
    this.active = editor?.document;
    if (previous && previous !== editor?.document) {
      const key = previous.uri.toString();
      const line = this.edited.get(key);
      this.edited.delete(key);
      if (line !== undefined && !previous.isClosed) void this.add(previous, 'edited', line);
    }
    if (editor) void this.add(editor.document, 'opened', editor.selection.active.line);
  }

  private selectionChanged(editor: vscode.TextEditor): void {
    if (this.selectionTimer !== undefined) clearTimeout(this.selectionTimer);
    this.selectionTimer = undefined;
    const sel = editor.selection;
    if (editor.selections.length !== 1 || sel.end.line - sel.start.line + 1 < MIN_SELECTED_LINES) return;
    this.selectionTimer = setTimeout(() => {
      this.selectionTimer = undefined;
      if (!editor.selection.isEqual(sel) || editor.document.isClosed) return;
      void this.add(editor.document, 'selected', sel.start.line, sel);
    }, SELECTION_SETTLE_MS);
  }

  private cursorLine(doc: vscode.TextDocument): number | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document === doc)?.selection.active.line;
  }

  /** Adds a chunk of `doc` around `line` (or the selected text) when the file is allowed. */
  async add(doc: vscode.TextDocument, event: RingEvent, line: number, selection?: vscode.Selection): Promise<boolean> {
    if (!this.deps.enabled() || !SCHEMES.has(doc.uri.scheme) || doc.isClosed) return false;
    if ((await this.deps.files.check(doc.uri, doc)).reason) {
      this.deps.log.trace(
        `completion: ${promptFileName(doc.uri)} is git-ignored, secret-looking or outside the workspace; not used as context`,
      );
      return false;
    }
    if (doc.isClosed) return false;
    const name = promptFileName(doc.uri);
    const { ring } = this.deps;
    let added: boolean;
    if (selection) {
      const end = Math.min(selection.end.line, selection.start.line + 256);
      added = ring.addCopied(name, doc.getText(new vscode.Range(selection.start.line, 0, end, doc.lineAt(end).text.length)));
    } else {
      const at = Math.min(Math.max(0, line), Math.max(0, doc.lineCount - 1));
      added = ring.addAround(name, (i) => doc.lineAt(i).text, doc.lineCount, at);
    }
    if (!added) return false;
    this.files.set(name, doc.uri);
    this.added.push({ event, file: name, line });
    this.deps.log.debug(`completion: extra context + ${event} ${name}:${line + 1} (${ring.size} chunks)`);
    this.deps.onChanged();
    return true;
  }

  private forget(uri: vscode.Uri): void {
    this.edited.delete(uri.toString());
    for (const [name, known] of this.files) {
      if (known.toString() !== uri.toString()) continue;
      this.files.delete(name);
      this.deps.ring.removeFile(name);
      this.deps.onChanged();
    }
  }

  /** After a .gitignore changed: drops chunks of files that are now ignored. */
  private async recheck(): Promise<void> {
    for (const [name, uri] of [...this.files]) {
      if (!(await this.deps.files.check(uri)).reason) continue;
      this.files.delete(name);
      this.deps.ring.removeFile(name);
      this.deps.log.debug(`completion: extra context - ${name} (now ignored)`);
      this.deps.onChanged();
    }
  }

  dispose(): void {
    if (this.selectionTimer !== undefined) clearTimeout(this.selectionTimer);
    this.owned.dispose();
  }
}
