// Which files may go into the extra context: files inside a workspace folder
// that no .gitignore (at any level up to the folder, plus .git/info/exclude)
// ignores, and that do not look like secrets (.env, keys, credentials). Files
// outside every workspace folder are never included: there is no .gitignore
// to ask about them. Rules are read through vscode.workspace.fs (so remote
// workspaces work) and cached until a .gitignore changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Emitter } from '../core/events';
import { Disposables } from '../lifecycle';
import { notIgnoredBy } from '../core/completion/ring';
import { isSecretLooking } from '../core/secretFiles';

type Rules = ((relativePath: string) => boolean) | undefined;

/** Folders whose contents never go into a prompt, ignored or not. */
const NEVER = new Set(['.git', 'node_modules', '.svn', '.hg']);

export class IgnoreRules implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<Rules>>();
  private readonly owned = new Disposables();
  private readonly changed = new Emitter<void>();
  /** A .gitignore changed: files allowed before may not be any more. */
  readonly onDidChange = this.changed.event;

  constructor() {
    for (const glob of ['**/.gitignore', '**/.git/info/exclude']) {
      const watcher = vscode.workspace.createFileSystemWatcher(glob);
      const forget = () => {
        this.cache.clear();
        this.changed.fire();
      };
      this.owned.add(watcher);
      this.owned.add(watcher.onDidChange(forget));
      this.owned.add(watcher.onDidCreate(forget));
      this.owned.add(watcher.onDidDelete(forget));
    }
  }

  /** Whether the file may be sent to the model without the user asking for it. */
  async allowed(uri: vscode.Uri): Promise<boolean> {
    if (isSecretLooking(uri.path)) return false;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return false;
    const rel = path.posix.relative(folder.uri.path, uri.path);
    if (!rel || rel.startsWith('..') || path.posix.isAbsolute(rel)) return false;
    const parts = rel.split('/');
    if (parts.some((p) => NEVER.has(p))) return false;
    const exclude = await this.rules(vscode.Uri.joinPath(folder.uri, '.git', 'info', 'exclude'));
    if (exclude && !exclude(rel)) return false;
    // A .gitignore applies to paths relative to its own folder.
    for (let i = 0; i < parts.length; i++) {
      const dir = vscode.Uri.joinPath(folder.uri, ...parts.slice(0, i));
      const rules = await this.rules(vscode.Uri.joinPath(dir, '.gitignore'));
      if (rules && !rules(parts.slice(i).join('/'))) return false;
    }
    return true;
  }

  private rules(file: vscode.Uri): Promise<Rules> {
    const key = file.toString();
    let hit = this.cache.get(key);
    if (!hit) {
      hit = Promise.resolve(vscode.workspace.fs.readFile(file)).then(
        (bytes) => notIgnoredBy(new TextDecoder().decode(bytes)),
        () => undefined,
      );
      this.cache.set(key, hit);
    }
    return hit;
  }

  dispose(): void {
    this.owned.dispose();
    this.changed.dispose();
  }
}
