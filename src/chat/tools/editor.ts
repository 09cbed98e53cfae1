// The tools about what the user is looking at: get_diagnostics,
// get_open_editors and get_selection. Files the policy keeps from the model
// are left out (counted) or refused, as in the workspace tools.
import * as vscode from 'vscode';
import { formatAttachment } from '../../core/chat/attachments';
import { capResult, plural, refused, TOOL_LIMITS, type ToolOutcome } from '../../core/chat/tools';
import type { Problem } from '../../core/chat/types';
import type { FilePolicy } from '../../filePolicy';
import { shownPath } from '../../filePolicy';
import { toProblem } from '../attachments';
import { allowedPath, isOutcome } from './files';

const ok = (content: string, summary: string): ToolOutcome => ({ status: 'ok', content, summary });

export async function getDiagnostics(files: FilePolicy, args: { path?: string }): Promise<ToolOutcome> {
  let entries: [vscode.Uri, vscode.Diagnostic[]][];
  if (args.path !== undefined) {
    const target = await allowedPath(files, args.path);
    if (isOutcome(target)) return target;
    entries = [[target.uri, vscode.languages.getDiagnostics(target.uri)]];
  } else {
    entries = vscode.languages.getDiagnostics().filter(([, list]) => list.length > 0);
  }
  const parts: string[] = [];
  let count = 0;
  let hidden = 0;
  for (const [uri, list] of entries.sort(([a], [b]) => shownPath(a).localeCompare(shownPath(b)))) {
    if (!list.length && args.path === undefined) continue;
    if (args.path === undefined && (await files.check(uri)).reason) {
      hidden++;
      continue;
    }
    const problems: Problem[] = list.slice(0, Math.max(0, TOOL_LIMITS.problems - count)).map(toProblem);
    count += problems.length;
    parts.push(formatAttachment({ id: '', kind: 'problems', path: shownPath(uri), problems, truncatedFrom: list.length }));
    if (count >= TOOL_LIMITS.problems) break;
  }
  if (!parts.length) parts.push(args.path === undefined ? 'No problems in the workspace.' : `No problems in ${args.path}.`);
  if (hidden) parts.push(`(${plural(hidden, 'file')} with problems not shown: ignored, secret-looking or outside the workspace)`);
  return ok(capResult(parts.join('\n\n'), 'ask for one file'), plural(count, 'problem'));
}

export async function getOpenEditors(files: FilePolicy): Promise<ToolOutcome> {
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  const seen = new Set<string>();
  const lines: string[] = [];
  let hidden = 0;
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
  const uris = tabs
    .map((t) => (t.input instanceof vscode.TabInputText ? { uri: t.input.uri, dirty: t.isDirty } : undefined))
    .filter((x): x is { uri: vscode.Uri; dirty: boolean } => !!x)
    .sort((a, b) => Number(b.uri.toString() === active) - Number(a.uri.toString() === active));
  for (const { uri, dirty } of uris) {
    if (seen.has(uri.toString())) continue;
    seen.add(uri.toString());
    if ((await files.check(uri)).reason) {
      hidden++;
      continue;
    }
    const marks = [uri.toString() === active ? 'active' : '', dirty ? 'unsaved changes' : ''].filter(Boolean);
    lines.push(`${shownPath(uri)}${marks.length ? ` (${marks.join(', ')})` : ''}`);
  }
  if (!lines.length) lines.push('No file is open.');
  if (hidden) lines.push(`(${plural(hidden, 'file')} not shown: ignored, secret-looking or outside the workspace)`);
  return ok(capResult(lines.join('\n')), plural(seen.size - hidden, 'editor'));
}

export async function getSelection(files: FilePolicy, editor: vscode.TextEditor | undefined): Promise<ToolOutcome> {
  if (!editor) return ok('No editor is active.', 'no editor');
  const doc = editor.document;
  const check = await files.check(doc.uri, doc);
  if (check.reason)
    return refused(`Refused: the active editor shows ${check.shown}, which is not shared with the model.`, `refused: ${check.reason}`);
  const sel = editor.selection;
  if (sel.isEmpty) {
    return ok(
      `Nothing is selected in ${check.shown}; the cursor is on line ${sel.active.line + 1}.`,
      `cursor, line ${sel.active.line + 1}`,
    );
  }
  const text = doc.getText(sel);
  const lines = `${sel.start.line + 1}-${sel.end.line + 1}`;
  return ok(capResult(`Selection in ${check.shown}, lines ${lines}:\n${text}`, 'ask for a line range with read_file'), `lines ${lines}`);
}
