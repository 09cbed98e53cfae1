// The file policy in VS Code, one service for the chat and completion: for a
// document or file it finds the facts the pure rule (core/filePolicy.ts)
// decides on — its workspace folder, its real path after resolving symlinks,
// and whether a .gitignore (at any level up to the folder) or
// .git/info/exclude ignores it — reading ignore files through
// vscode.workspace.fs (so remote workspaces work) and caching them until one
// changes. One set of file watchers for the whole extension.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compileIgnore, decide, ignoredBy, type ConfirmReason, type FileFacts, type IgnoreLevel } from './core/filePolicy';
import { Emitter } from './core/events';
import { Disposables } from './lifecycle';

/** The policy's answer for one file. */
export interface FileCheck {
  /** The path as the user reads it: workspace-relative with '/', else the file name. */
  shown: string;
  /** Why it needs confirmation; undefined when it may be sent without asking. */
  reason?: ConfirmReason;
}

/** Schemes of files on a disk Hearth can reason about (a remote workspace's too). */
const DISK_SCHEMES = new Set(['file', 'vscode-remote']);

export class FilePolicy implements vscode.Disposable {
  private readonly ignoreFiles = new Map<string, Promise<IgnoreLevel | undefined>>();
  private readonly readAt = new Map<string, number>();
  private readonly realFolders = new Map<string, Promise<string | undefined>>();
  private readonly owned = new Disposables();
  private readonly changed = new Emitter<void>();
  /** An ignore file changed: files allowed before may not be any more (and the other way round). */
  readonly onDidChange = this.changed.event;

  constructor() {
    for (const glob of ['**/.gitignore', '**/.git/info/exclude']) {
      const watcher = vscode.workspace.createFileSystemWatcher(glob);
      const forget = () => {
        this.ignoreFiles.clear();
        this.changed.fire();
      };
      this.owned.addAll(watcher, watcher.onDidChange(forget), watcher.onDidCreate(forget), watcher.onDidDelete(forget));
    }
    this.owned.add(vscode.workspace.onDidChangeWorkspaceFolders(() => this.realFolders.clear()));
  }

  /** May `uri` (the document `doc`, when open) be sent without asking, and if not, why. */
  async check(uri: vscode.Uri, doc?: vscode.TextDocument): Promise<FileCheck> {
    const shown = shownPath(uri, doc);
    if (uri.scheme === 'untitled' || doc?.isUntitled) return { shown, reason: decide({ untitled: true }) };
    const facts: FileFacts = {};
    const folder = DISK_SCHEMES.has(uri.scheme) ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    if (folder) {
      const rel = path.posix.relative(folder.uri.path, uri.path);
      if (rel && !rel.startsWith('..') && !path.posix.isAbsolute(rel)) {
        facts.rel = rel;
        await this.resolve(uri, folder, rel, facts);
        const levels = await this.levelsFor(folder, [rel, facts.targetRel]);
        facts.ignored = (p) => ignoredBy(levels, p);
      }
    } else if (uri.scheme === 'file') {
      facts.targetPath = await fs.realpath(uri.fsPath).catch(() => uri.fsPath);
    }
    return { shown, reason: decide(facts) };
  }

  /** Fills `targetRel` / `targetPath`: the file's real location relative to its folder's. */
  private async resolve(uri: vscode.Uri, folder: vscode.WorkspaceFolder, rel: string, facts: FileFacts): Promise<void> {
    if (uri.scheme === 'file') {
      const real = await fs.realpath(uri.fsPath).catch(() => undefined);
      const root = await this.realFolder(folder);
      if (real === undefined || root === undefined) {
        // Not on disk (deleted since it was opened): nothing to follow.
        facts.targetRel = rel;
        return;
      }
      facts.targetPath = real;
      const target = path.relative(root, real);
      if (target && !target.startsWith('..') && !path.isAbsolute(target)) facts.targetRel = target.split(path.sep).join('/');
      return;
    }
    // A remote file: its target cannot be resolved from here, so a link anywhere on the way needs confirmation.
    const parts = rel.split('/');
    for (let i = parts.length; i > 0; i--) {
      const stat = await Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, ...parts.slice(0, i)))).catch(
        () => undefined,
      );
      if (stat && stat.type & vscode.FileType.SymbolicLink) return;
    }
    facts.targetRel = rel;
  }

  private realFolder(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
    const key = folder.uri.toString();
    let hit = this.realFolders.get(key);
    if (!hit) {
      hit = fs.realpath(folder.uri.fsPath).catch(() => undefined);
      this.realFolders.set(key, hit);
    }
    return hit;
  }

  /** The ignore files that apply to `paths` in `folder`: .git/info/exclude, then each folder's .gitignore from the root down. */
  private async levelsFor(folder: vscode.WorkspaceFolder, paths: (string | undefined)[]): Promise<IgnoreLevel[]> {
    const dirs = new Set<string>(['']);
    for (const p of paths) {
      if (!p) continue;
      const parts = p.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const ordered = [...dirs].sort((a, b) => (a ? a.split('/').length : 0) - (b ? b.split('/').length : 0));
    const files = [
      // VS Code reports no changes inside .git (files.exclude hides it from its watchers): read it again after a moment.
      this.ignoreFile(vscode.Uri.joinPath(folder.uri, '.git', 'info', 'exclude'), '', 2000),
      ...ordered.map((dir) => this.ignoreFile(vscode.Uri.joinPath(folder.uri, ...(dir ? dir.split('/') : []), '.gitignore'), dir)),
    ];
    return (await Promise.all(files)).filter((l): l is IgnoreLevel => !!l);
  }

  private ignoreFile(file: vscode.Uri, dir: string, maxAgeMs = Infinity): Promise<IgnoreLevel | undefined> {
    const key = file.toString();
    let hit = this.ignoreFiles.get(key);
    if (!hit || Date.now() - (this.readAt.get(key) ?? 0) > maxAgeMs) {
      this.readAt.set(key, Date.now());
      hit = Promise.resolve(vscode.workspace.fs.readFile(file)).then(
        (bytes) => compileIgnore({ dir, text: new TextDecoder().decode(bytes) }),
        () => undefined,
      );
      this.ignoreFiles.set(key, hit);
    }
    return hit;
  }

  dispose(): void {
    this.owned.dispose();
    this.changed.dispose();
  }
}

/** Workspace-relative path with '/' (the file name for untitled or outside files). */
export function shownPath(uri: vscode.Uri, doc?: vscode.TextDocument): string {
  if (doc?.isUntitled || uri.scheme === 'untitled') return path.basename(doc?.fileName ?? uri.path);
  if (!DISK_SCHEMES.has(uri.scheme)) return path.posix.basename(uri.path) || uri.toString(true);
  const rel = vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  return rel.split(path.sep).join('/');
}
