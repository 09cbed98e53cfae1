// What the user attaches to the next chat message: the editor selection
// (Ask About Selection), workspace files picked with `@`, and — when toggled —
// the current file and its problems. Secret-looking and git-ignored files are
// never attached without an explicit confirmation; the automatic toggles skip
// them and say so.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createIgnoreMatcher, needsConfirmation, toChip, truncateText, type ConfirmReason } from '../core/chat/attachments';
import { type AttachmentChip, type Attachment, type Problem } from '../core/chat/types';
import { newId } from '../core/chat/conversation';
import { Emitter } from '../core/events';
import type { Logger } from '../core/types';
import { Disposables } from '../lifecycle';
import type { ChatUi, FilePick } from './ui';

/** Attachments longer than this are cut before budgeting (the budget cuts further). */
const MAX_CHARS = 200_000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_PICK_FILES = 5000;

const SEVERITY: Record<vscode.DiagnosticSeverity, Problem['severity']> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

type Ignored = (folderRelPath: string) => boolean;

export class Attachments implements vscode.Disposable {
  private items: Attachment[] = [];
  includeCurrentFile = false;
  includeProblems = false;
  /** The last text editor that had focus (the chat view taking focus does not clear it). */
  private editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly ignoreCache = new Map<string, Promise<Ignored>>();
  private readonly owned = new Disposables();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly ui: ChatUi,
    private readonly log: Logger,
  ) {
    this.owned.add(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (!editor || editor === this.editor) return;
        this.editor = editor;
        this.changed.fire();
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/.gitignore');
    const forget = () => this.ignoreCache.clear();
    this.owned.addAll(watcher, watcher.onDidChange(forget), watcher.onDidCreate(forget), watcher.onDidDelete(forget));
  }

  chips(): AttachmentChip[] {
    return this.items.map(toChip);
  }

  /** The editor Insert at Cursor writes into. */
  get lastEditor(): vscode.TextEditor | undefined {
    return vscode.window.activeTextEditor ?? (this.editor && !this.editor.document.isClosed ? this.editor : undefined);
  }

  /** The file name the "current file" toggle would attach. */
  currentFile(): string | undefined {
    const doc = this.lastEditor?.document;
    return doc ? path.basename(doc.fileName) : undefined;
  }

  remove(id: string): void {
    this.items = this.items.filter((i) => i.id !== id);
    this.changed.fire();
  }

  /** `Hearth: Ask About Selection`: the selection with its file and lines (the whole file when nothing is selected). */
  async addSelection(editor = vscode.window.activeTextEditor): Promise<boolean> {
    if (!editor) {
      this.ui.info('Hearth: open a file and select some code to ask about.');
      return false;
    }
    const doc = editor.document;
    const rel = relativePath(doc.uri, doc);
    if (!(await this.allowed(doc.uri, rel))) return false;
    const sel = editor.selection;
    if (sel.isEmpty) {
      this.add({ id: newId(), kind: 'file', path: rel, language: doc.languageId, text: cap(doc.getText()) });
      return true;
    }
    // A selection ending at the start of a line does not include that line.
    const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
    const range = new vscode.Range(sel.start.line, 0, endLine - 1, doc.lineAt(endLine - 1).text.length);
    const text = doc.getText(sel.start.line === sel.end.line ? sel : range);
    this.add({
      id: newId(),
      kind: 'selection',
      path: rel,
      language: doc.languageId,
      lines: { start: sel.start.line + 1, end: endLine },
      text: cap(text),
    });
    return true;
  }

  /** The `@` picker: workspace files, the ones that need confirmation marked. */
  async pickFiles(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*', '**/{node_modules,.git}/**', MAX_PICK_FILES);
    const picks: FilePick[] = [];
    for (const uri of uris) {
      const rel = relativePath(uri);
      const reason = needsConfirmation(rel, await this.isIgnored(uri));
      picks.push({
        uri,
        label: path.posix.basename(rel),
        description: path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel),
        detail: reason ? `$(shield) ${describeReason(reason)}: asks before attaching` : undefined,
      });
    }
    picks.sort((a, b) => relativePath(a.uri).localeCompare(relativePath(b.uri)));
    const chosen = await this.ui.pickFiles(picks);
    for (const pick of chosen ?? []) await this.addFile(pick.uri);
  }

  /** Attaches a file on the user's explicit request (confirming secret-looking and ignored ones). */
  async addFile(uri: vscode.Uri): Promise<boolean> {
    const rel = relativePath(uri);
    if (!(await this.allowed(uri, rel))) return false;
    const text = await readText(uri);
    if (text === undefined) {
      this.ui.info(`Hearth: ${rel} is binary or larger than 2 MB; not attached.`);
      return false;
    }
    this.add({ id: newId(), kind: 'workspaceFile', path: rel, language: fenceLanguageFor(rel), text: cap(text) });
    return true;
  }

  /**
   * What goes with the message being sent: the chosen attachments (those in
   * `ids` when given; removed from the list here), plus the current file and its problems when toggled on and the
   * file may be attached without asking. `notes` says what was skipped.
   */
  async collect(ids?: readonly string[]): Promise<{ items: Attachment[]; notes: string[] }> {
    // Only the chips the user saw when sending; one attached a moment later waits for the next message.
    const items = ids ? this.items.filter((i) => ids.includes(i.id)) : this.items;
    const notes: string[] = [];
    this.items = this.items.filter((i) => !items.includes(i));
    const doc = this.lastEditor?.document;
    if (doc && (this.includeCurrentFile || this.includeProblems)) {
      const rel = relativePath(doc.uri, doc);
      const reason = needsConfirmation(rel, await this.isIgnored(doc.uri));
      if (reason) {
        notes.push(`${rel} was not attached automatically: ${describeReason(reason)}. Attach it with @ to confirm.`);
      } else {
        if (this.includeCurrentFile)
          items.push({ id: newId(), kind: 'file', path: rel, language: doc.languageId, text: cap(doc.getText()) });
        const problems = this.includeProblems ? problemsOf(doc.uri) : [];
        if (problems.length > 0) items.push({ id: newId(), kind: 'problems', path: rel, problems });
      }
    }
    this.changed.fire();
    return { items, notes };
  }

  dispose(): void {
    this.owned.dispose();
    this.changed.dispose();
  }

  private add(item: Attachment): void {
    this.items.push(item);
    this.log.info(`attached ${item.kind} ${item.path}${item.lines ? `:${item.lines.start}-${item.lines.end}` : ''}`);
    this.changed.fire();
  }

  private async allowed(uri: vscode.Uri, rel: string): Promise<boolean> {
    const reason = needsConfirmation(rel, await this.isIgnored(uri));
    if (!reason) return true;
    const ok = await this.ui.confirm(
      `Attach ${path.posix.basename(rel)} to the chat?`,
      `${rel}: ${describeReason(reason)}. Its contents will be sent to the model server.`,
      'Attach',
    );
    this.log.info(`${rel} (${reason}) ${ok ? 'attached after confirmation' : 'not attached: not confirmed'}`);
    return ok;
  }

  /** A predicate for `needsConfirmation` following the .gitignore files of the file's workspace folder. */
  private async isIgnored(uri: vscode.Uri): Promise<((rel: string) => boolean) | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const key = folder.uri.toString();
    let matcher = this.ignoreCache.get(key);
    if (!matcher) {
      matcher = loadIgnoreMatcher(folder).catch((err: unknown) => {
        this.log.warn(`could not read .gitignore files of ${folder.name}: ${String(err)}`);
        return () => false;
      });
      this.ignoreCache.set(key, matcher);
    }
    const ignored = await matcher;
    const rel = path.posix.relative(folder.uri.path, uri.path);
    return () => ignored(rel);
  }
}

async function loadIgnoreMatcher(folder: vscode.WorkspaceFolder): Promise<Ignored> {
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/.gitignore'), '**/node_modules/**', 500);
  const entries = await Promise.all(
    files.map(async (file) => ({
      dir: path.posix.dirname(path.posix.relative(folder.uri.path, file.path)).replace(/^\.$/, ''),
      text: new TextDecoder().decode(await vscode.workspace.fs.readFile(file)),
    })),
  );
  return createIgnoreMatcher(entries);
}

function describeReason(reason: ConfirmReason): string {
  return reason === 'secret' ? 'it looks like it may hold secrets (keys, passwords, tokens)' : 'it is ignored by .gitignore';
}

/** Workspace-relative path with '/' (the file name for untitled or outside files). */
export function relativePath(uri: vscode.Uri, doc?: vscode.TextDocument): string {
  if (doc?.isUntitled) return path.basename(doc.fileName);
  const rel = vscode.workspace.asRelativePath(uri, vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders.length > 1);
  return rel.split(path.sep).join('/');
}

function cap(text: string): string {
  return truncateText(text, MAX_CHARS);
}

function problemsOf(uri: vscode.Uri): Problem[] {
  return vscode.languages.getDiagnostics(uri).map(toProblem);
}

/** A diagnostic as plain data (for prompts). */
export function toProblem(d: vscode.Diagnostic): Problem {
  return {
    severity: SEVERITY[d.severity],
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    message: d.message,
    source: d.source,
    code: typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code),
  };
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.size > MAX_FILE_BYTES) return undefined;
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  return new TextDecoder().decode(bytes);
}

const FENCE_NAMES: Record<string, string> = {
  ts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  jsx: 'jsx',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  rb: 'ruby',
  rs: 'rust',
  go: 'go',
  java: 'java',
  kt: 'kotlin',
  cs: 'csharp',
  cpp: 'cpp',
  cc: 'cpp',
  h: 'c',
  c: 'c',
  hpp: 'cpp',
  sh: 'bash',
  md: 'markdown',
  yml: 'yaml',
  yaml: 'yaml',
  json: 'json',
  html: 'html',
  css: 'css',
  scss: 'scss',
  sql: 'sql',
  swift: 'swift',
  php: 'php',
  lua: 'lua',
  toml: 'toml',
  xml: 'xml',
};

/** The fence language for a file name (a prompt hint only). */
export function fenceLanguageFor(file: string): string | undefined {
  const ext = path.posix.extname(file).slice(1).toLowerCase();
  return FENCE_NAMES[ext] ?? (ext || undefined);
}
