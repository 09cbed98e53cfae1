// VS Code's built-in Git extension (`vscode.git`, API version 1): the
// repository a command is about, its staged or working-tree diff, its recent
// commit subjects, and its commit message box. Only the parts Hearth uses
// are declared here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HearthError } from '../core/errors';
import type { TasksUi } from './ui';

/** git.d.ts `Status.UNTRACKED`. */
const UNTRACKED = 7;

interface GitChange {
  readonly uri: vscode.Uri;
  readonly status: number;
}

export interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly inputBox: { value: string };
  readonly state: { readonly workingTreeChanges: GitChange[]; readonly untrackedChanges?: GitChange[] };
  diff(cached?: boolean): Promise<string>;
  log(options?: { maxEntries?: number }): Promise<{ message: string }[]>;
  status(): Promise<void>;
}

interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  openRepository?(root: vscode.Uri): Promise<GitRepository | null>;
}

interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

const NO_GIT = (why: string) => new HearthError('notFound', `Hearth cannot read your changes: ${why}`, { actions: ['showLog'] });

/** The Git extension's API, initialized. Throws a HearthError saying why when it cannot be had. */
export async function gitApi(timeoutMs = 10_000): Promise<GitApi> {
  const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
  // Missing, or without exports: disabled, or running in another extension host (the remote side of a remote window).
  const unavailable = () =>
    NO_GIT(
      "VS Code's built-in Git extension is not available here: it is disabled, or (in a remote window) it runs on the remote side, out of Hearth's reach.",
    );
  if (!ext) throw unavailable();
  const exports = ext.isActive ? ext.exports : await ext.activate();
  if (!exports) throw unavailable();
  if (!exports.enabled) throw NO_GIT('Git is turned off in VS Code (the git.enabled setting).');
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const listener = api.onDidChangeState((s) => s === 'initialized' && done());
      function done() {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
  }
  return api;
}

/** The root of a Source Control view's repository, when a command runs from its title bar. */
function rootOf(arg: unknown): vscode.Uri | undefined {
  const root = (arg as { rootUri?: unknown } | undefined)?.rootUri;
  if (root instanceof vscode.Uri) return root;
  return arg instanceof vscode.Uri ? arg : undefined;
}

/**
 * The repository a command is about: the Source Control view's (its title
 * button passes it), else the only one, else the one of the active file,
 * else one the user picks. Throws a HearthError when there is none.
 */
export async function pickRepository(arg: unknown, ui: TasksUi): Promise<GitRepository | undefined> {
  const api = await gitApi();
  const root = rootOf(arg);
  if (root) {
    const repo = api.getRepository(root) ?? (await api.openRepository?.(root)) ?? null;
    if (repo) return repo;
  }
  const repos = api.repositories;
  if (repos.length === 0) {
    throw new HearthError(
      'notFound',
      'There is no git repository in this window: open a folder that is a git repository (or initialize one in the Source Control view) and try again.',
      { actions: [] },
    );
  }
  if (repos.length === 1) return repos[0];
  const active = vscode.window.activeTextEditor?.document.uri;
  const mine = active ? api.getRepository(active) : null;
  if (mine) return mine;
  const pick = await ui.pick(
    repos.map((repo) => ({ label: path.basename(repo.rootUri.fsPath), description: repo.rootUri.fsPath, repo })),
    'Generate Commit Message: for which repository?',
  );
  return pick?.repo;
}

/** Paths (relative to the repository, '/' separators) of new files git does not track yet. */
export function untrackedFiles(repo: GitRepository): string[] {
  const changes = [...repo.state.workingTreeChanges, ...(repo.state.untrackedChanges ?? [])];
  return changes
    .filter((c) => c.status === UNTRACKED)
    .map((c) => path.relative(repo.rootUri.fsPath, c.uri.fsPath).split(path.sep).join('/'))
    .filter((p, i, all) => all.indexOf(p) === i);
}

/** The messages of the last `count` commits ([] for a repository without any). */
export async function recentMessages(repo: GitRepository, count = 20): Promise<string[]> {
  try {
    return (await repo.log({ maxEntries: count })).map((c) => c.message);
  } catch {
    return []; // no commits yet
  }
}
