// The one rule for what may be sent to a model server, shared by the chat's
// attachments and completion's extra context: a file goes without asking
// only when it is an untitled document, or a file of a workspace folder
// (after resolving symlinks: a repository link to ~/.aws/credentials is the
// credentials file, not the link) that no .gitignore or .git/info/exclude
// ignores and that does not look like it holds secrets. Anything else needs
// the user's explicit confirmation. Pure TypeScript: the VS Code adapter
// (src/filePolicy.ts) gathers the facts.
import ignore, { type Ignore } from 'ignore';
import { isSecretLooking } from './secretFiles';

/** Why a file needs confirmation before it is sent. */
export type ConfirmReason = 'secret' | 'outside' | 'ignored';

/** What the adapter found out about one file. */
export interface FileFacts {
  untitled?: boolean;
  /** Path relative to the workspace folder the file is in ('/'-separated), when it is in one. */
  rel?: string;
  /** The file's real path relative to that folder's real path, when it is inside it after resolving symlinks. */
  targetRel?: string;
  /** The file's real (absolute) path, when known. */
  targetPath?: string;
  /** Whether a workspace-relative path is git-ignored (`.gitignore` files and `.git/info/exclude`). */
  ignored?: (rel: string) => boolean;
}

/** Folders whose contents never go without asking, ignored or not. */
const NEVER = new Set(['.git', 'node_modules', '.svn', '.hg']);

function inNeverFolder(rel: string): boolean {
  return rel.split('/').some((p) => NEVER.has(p));
}

/** Why the file needs confirmation, or undefined when it may be sent without asking. */
export function decide(f: FileFacts): ConfirmReason | undefined {
  if (f.untitled) return undefined;
  const inside = f.rel !== undefined && f.targetRel !== undefined;
  const names = [f.rel, f.targetRel].filter((p): p is string => p !== undefined);
  // Outside a workspace folder the whole real path counts (~/.aws/credentials); inside, only the part within it.
  if (names.some(isSecretLooking) || (!inside && f.targetPath !== undefined && isSecretLooking(f.targetPath))) return 'secret';
  if (!inside) return 'outside';
  if (names.some(inNeverFolder) || names.some((p) => f.ignored?.(p))) return 'ignored';
  return undefined;
}

/** The reason in words, for a confirmation dialog or a note. */
export function describeReason(reason: ConfirmReason): string {
  switch (reason) {
    case 'secret':
      return 'it looks like it may hold secrets (keys, passwords, tokens)';
    case 'ignored':
      return 'it is ignored by .gitignore';
    case 'outside':
      return 'it is not a file of this workspace';
  }
}

/** One ignore file: `dir` is its folder relative to the workspace root ('' for the root and for .git/info/exclude). */
export interface IgnoreFile {
  dir: string;
  text: string;
}

/** One compiled ignore file. */
export interface IgnoreLevel {
  dir: string;
  ig: Ignore;
}

export function compileIgnore(file: IgnoreFile): IgnoreLevel {
  return { dir: file.dir.replace(/\\/g, '/').replace(/^\/+|\/+$/g, ''), ig: ignore().add(file.text) };
}

/**
 * Whether `relPath` is ignored by `levels`, with git's precedence: a deeper
 * file overrides a shallower one, and `.git/info/exclude` (dir '') ranks
 * below the root `.gitignore` when listed before it. `.git/` itself always counts as ignored.
 */
export function ignoredBy(levels: readonly IgnoreLevel[], relPath: string): boolean {
  const path = relPath.replace(/\\/g, '/').replace(/^\/+/, '');
  if (path === '.git' || path.startsWith('.git/')) return true;
  let ignored = false;
  for (const { dir, ig } of levels) {
    if (dir && path !== dir && !path.startsWith(dir + '/')) continue;
    const rel = dir ? path.slice(dir.length + 1) : path;
    if (!rel) continue;
    const result = ig.test(rel);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

/** A predicate over workspace-relative paths following the given ignore files (any order; sorted shallow to deep, stable). */
export function createIgnoreMatcher(files: readonly IgnoreFile[]): (relPath: string) => boolean {
  const levels = files.map(compileIgnore).sort((a, b) => depth(a.dir) - depth(b.dir));
  return (relPath) => ignoredBy(levels, relPath);
}

function depth(dir: string): number {
  return dir ? dir.split('/').length : 0;
}
