// The read-only workspace tools: read_file, list_dir, find_files and
// search_text. Every path goes through the file policy (files.ts); what the
// policy refuses is left out of lists and searches, with a count, and
// refused by name when asked for directly. Each result is bounded.
import * as vscode from 'vscode';
import { capResult, fileSlice, lineMatcher, matchLines, plural, refused, TOOL_LIMITS, type ToolOutcome } from '../../core/chat/tools';
import type { FilePolicy } from '../../filePolicy';
import { shownPath } from '../../filePolicy';
import { allowedPath, entryRefused, isOutcome, readText } from './files';

const ok = (content: string, summary: string): ToolOutcome => ({ status: 'ok', content, summary });

export async function readFile(files: FilePolicy, args: { path: string; startLine?: number; endLine?: number }): Promise<ToolOutcome> {
  const target = await allowedPath(files, args.path);
  if (isOutcome(target)) return target;
  const read = await readText(target.uri);
  if ('problem' in read) return { status: 'error', content: `Cannot read ${target.shown}: ${read.problem}.`, summary: read.problem };
  const slice = fileSlice(target.shown, read.text, args.startLine, args.endLine);
  return ok(slice.content, slice.summary);
}

export async function listDir(files: FilePolicy, args: { path: string }): Promise<ToolOutcome> {
  const target = await allowedPath(files, args.path);
  if (isOutcome(target)) return target;
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(target.uri);
  } catch {
    return { status: 'error', content: `Cannot list ${target.shown}: it is not a folder of the workspace.`, summary: 'not a folder' };
  }
  entries.sort(
    ([a, ta], [b, tb]) => Number(!(tb & vscode.FileType.Directory)) - Number(!(ta & vscode.FileType.Directory)) || a.localeCompare(b),
  );
  const shown: string[] = [];
  let hidden = 0;
  for (const [name, type] of entries) {
    if (shown.length >= TOOL_LIMITS.listEntries) break;
    const uri = vscode.Uri.joinPath(target.uri, name);
    if (await entryRefused(files, uri, (type & vscode.FileType.Directory) !== 0)) {
      hidden++;
      continue;
    }
    shown.push(type & vscode.FileType.Directory ? `${name}/` : name);
  }
  const more = entries.length - shown.length - hidden;
  const notes = [
    hidden ? `(${plural(hidden, 'entry', 'entries')} not shown: ignored, secret-looking or leading outside the workspace)` : '',
    more > 0 ? `(${more} more not listed)` : '',
  ].filter(Boolean);
  const body = shown.length ? shown.join('\n') : '(empty)';
  return ok(capResult([`${target.shown}:`, body, ...notes].join('\n'), 'list a subfolder'), plural(shown.length, 'entry', 'entries'));
}

/** Workspace files matching `glob` that the policy allows, sorted; and how many it held back. */
async function allowedFiles(
  files: FilePolicy,
  glob: string,
  max: number,
  signal?: AbortSignal,
): Promise<{ uris: vscode.Uri[]; hidden: number; more: boolean }> {
  const token = new vscode.CancellationTokenSource();
  const onAbort = () => token.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const found = await vscode.workspace.findFiles(glob, '**/{node_modules,.git}/**', max + 1, token.token);
    const more = found.length > max;
    const uris: vscode.Uri[] = [];
    let hidden = 0;
    for (const uri of found.slice(0, max).sort((a, b) => shownPath(a).localeCompare(shownPath(b)))) {
      if (signal?.aborted) break;
      if ((await files.check(uri)).reason) hidden++;
      else uris.push(uri);
    }
    return { uris, hidden, more };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    token.dispose();
  }
}

export async function findFiles(files: FilePolicy, args: { glob: string }, signal?: AbortSignal): Promise<ToolOutcome> {
  const { uris, hidden, more } = await allowedFiles(files, args.glob, TOOL_LIMITS.findResults, signal);
  const lines = uris.map((u) => shownPath(u));
  if (!lines.length) lines.push(`No workspace file matches ${JSON.stringify(args.glob)}.`);
  if (hidden) lines.push(`(${plural(hidden, 'file')} not shown: ignored or secret-looking)`);
  if (more) lines.push(`(more than ${TOOL_LIMITS.findResults} files match: use a narrower glob)`);
  return ok(capResult(lines.join('\n'), 'use a narrower glob'), plural(uris.length, 'file'));
}

export async function searchText(
  files: FilePolicy,
  args: { query: string; regex?: boolean; caseSensitive?: boolean; glob?: string },
  signal?: AbortSignal,
): Promise<ToolOutcome> {
  const match = lineMatcher(args.query, args.regex, args.caseSensitive);
  if (typeof match === 'string') return refused(`Refused: ${match}.`, 'invalid regex');
  const { uris, hidden, more } = await allowedFiles(files, args.glob ?? '**/*', TOOL_LIMITS.searchFiles, signal);
  const max = TOOL_LIMITS.searchMatches;
  const found: string[] = [];
  let filesWith = 0;
  for (const uri of uris) {
    if (signal?.aborted || found.length >= max) break;
    const read = await readText(uri);
    if ('problem' in read) continue;
    const lines = matchLines(shownPath(uri), read.text, match, max - found.length);
    if (lines.length) filesWith++;
    found.push(...lines);
  }
  const out = found.length ? [...found] : [`No line matches ${JSON.stringify(args.query)}.`];
  if (found.length >= max) out.push(`(stopped at ${max} matches: search for something more specific)`);
  if (hidden) out.push(`(${plural(hidden, 'file')} not searched: ignored or secret-looking)`);
  if (more) out.push(`(only the first ${TOOL_LIMITS.searchFiles} files were searched: give a glob)`);
  return ok(
    capResult(out.join('\n'), 'search for something more specific'),
    `${plural(found.length, 'match', 'matches')} in ${plural(filesWith, 'file')}`,
  );
}
