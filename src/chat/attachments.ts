// What the user attaches to the next chat message: the editor selection
// (Ask About Selection), workspace files picked with `@`, and — when toggled —
// the current file and its problems. The file policy (src/filePolicy.ts,
// shared with completion) decides what needs an explicit confirmation:
// secret-looking, git-ignored and non-workspace files (an Output channel,
// settings.json, ~/.bashrc); the automatic toggles skip those and say so.
// Attachments stay until the message that carries them is saved.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { toChip, truncateText } from '../core/chat/attachments';
import { type AttachmentChip, type Attachment, type Problem } from '../core/chat/types';
import { newId } from '../core/chat/conversation';
import { Emitter } from '../core/events';
import { describeReason } from '../core/filePolicy';
import type { Logger } from '../core/types';
import type { FileCheck, FilePolicy } from '../filePolicy';
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

export class Attachments implements vscode.Disposable {
  private items: Attachment[] = [];
  includeCurrentFile = false;
  includeProblems = false;
  /** The last text editor that had focus (the chat view taking focus does not clear it). */
  private editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly owned = new Disposables();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly ui: ChatUi,
    private readonly log: Logger,
    private readonly files: FilePolicy,
  ) {
    this.owned.add(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (!editor || editor === this.editor) return;
        this.editor = editor;
        this.changed.fire();
      }),
    );
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
    const check = await this.files.check(doc.uri, doc);
    if (!(await this.confirmed(check))) return false;
    const rel = check.shown;
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
    const checked = await Promise.all(uris.map(async (uri) => ({ uri, check: await this.files.check(uri) })));
    for (const { uri, check } of checked.sort((a, b) => a.check.shown.localeCompare(b.check.shown))) {
      const rel = check.shown;
      picks.push({
        uri,
        label: path.posix.basename(rel),
        description: path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel),
        detail: check.reason ? `$(shield) ${describeReason(check.reason)}: asks before attaching` : undefined,
      });
    }
    const chosen = await this.ui.pickFiles(picks);
    for (const pick of chosen ?? []) await this.addFile(pick.uri);
  }

  /** Attaches a file on the user's explicit request (confirming secret-looking and ignored ones). */
  async addFile(uri: vscode.Uri): Promise<boolean> {
    const check = await this.files.check(uri);
    if (!(await this.confirmed(check))) return false;
    const rel = check.shown;
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
   * `ids` when given), plus the current file and its problems when toggled
   * on and the file may be attached without asking. `notes` says what was
   * skipped. The chips stay until `consume` (the message was saved).
   */
  async collect(ids?: readonly string[]): Promise<{ items: Attachment[]; notes: string[] }> {
    // Only the chips the user saw when sending; one attached a moment later waits for the next message.
    const items = ids ? this.items.filter((i) => ids.includes(i.id)) : [...this.items];
    const notes: string[] = [];
    const doc = this.lastEditor?.document;
    if (doc && (this.includeCurrentFile || this.includeProblems)) {
      const { shown: rel, reason } = await this.files.check(doc.uri, doc);
      if (reason) {
        const how = reason === 'outside' ? 'Use Hearth: Ask About Selection to attach it after confirming' : 'Attach it with @ to confirm';
        notes.push(`${rel} was not attached automatically: ${describeReason(reason)}. ${how}.`);
      } else {
        if (this.includeCurrentFile)
          items.push({ id: newId(), kind: 'file', path: rel, language: doc.languageId, text: cap(doc.getText()) });
        const problems = this.includeProblems ? problemsOf(doc.uri) : [];
        if (problems.length > 0) items.push({ id: newId(), kind: 'problems', path: rel, problems });
      }
    }
    return { items, notes };
  }

  /** The message carrying these attachments is saved: their chips go. */
  consume(items: readonly Attachment[]): void {
    const ids = new Set(items.map((i) => i.id));
    const before = this.items.length;
    this.items = this.items.filter((i) => !ids.has(i.id));
    if (this.items.length !== before) this.changed.fire();
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

  /** True when `check` needs no confirmation, or the user gave it. */
  private async confirmed(check: FileCheck): Promise<boolean> {
    if (!check.reason) return true;
    const rel = check.shown;
    const ok = await this.ui.confirm(
      `Attach ${path.posix.basename(rel)} to the chat?`,
      `${rel}: ${describeReason(check.reason)}. Its contents will be sent to the model server.`,
      'Attach',
    );
    this.log.info(`${rel} (${check.reason}) ${ok ? 'attached after confirmation' : 'not attached: not confirmed'}`);
    return ok;
  }
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
