// Where a tool's path leads, and whether the file policy lets the model see
// it: the one way every chat tool reaches a workspace file. A path outside
// the workspace, a symlink leading out of it, a secret-looking or ignored
// file is refused with the policy's reason, which the model reads.
import * as vscode from 'vscode';
import { describeReason } from '../../core/filePolicy';
import { refused, toolPath, TOOL_LIMITS, type ToolOutcome } from '../../core/chat/tools';
import type { FilePolicy } from '../../filePolicy';
import { shownPath } from '../../filePolicy';

/** A file or folder a tool may use. */
export interface Allowed {
  uri: vscode.Uri;
  /** Its path as the model and the user read it. */
  shown: string;
}

/** The workspace folders by the names paths start with (several: the folder name first). */
function folderNames(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.name);
}

/** The URI `raw` names, or the refusal the model gets. */
export function resolvePath(raw: string): vscode.Uri | ToolOutcome {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) return refused('No folder is open in VS Code, so there are no workspace files to use.', 'no workspace');
  const p = toolPath(raw, folderNames());
  if (!p.ok) return refused(`Refused: ${p.problem}.`, 'refused: outside the workspace');
  const folder = folders.find((f) => f.name === p.folder) ?? folders[0];
  return p.rel ? vscode.Uri.joinPath(folder.uri, ...p.rel.split('/')) : folder.uri;
}

/** Why the policy keeps `uri` from the model, as a refusal; undefined when it may be used. */
export async function policyRefusal(files: FilePolicy, uri: vscode.Uri, shown = shownPath(uri)): Promise<ToolOutcome | undefined> {
  const check = await files.check(uri);
  if (!check.reason) return undefined;
  return refused(
    `Refused: ${shown} is not shared with the model because ${describeReason(check.reason)}. Do not ask for it again; the user can attach it themselves if they want to.`,
    `refused: ${check.reason}`,
  );
}

/** The path the model gave, resolved and allowed by the policy; or the refusal. */
export async function allowedPath(files: FilePolicy, raw: string): Promise<Allowed | ToolOutcome> {
  const uri = resolvePath(raw);
  if (!(uri instanceof vscode.Uri)) return uri;
  const isRoot = (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.toString() === uri.toString());
  const shown = isRoot ? '.' : shownPath(uri);
  if (!isRoot) {
    const refusal = await policyRefusal(files, uri, shown);
    if (refusal) return refusal;
    if (await isFolder(uri)) {
      const inside = await policyRefusal(files, vscode.Uri.joinPath(uri, 'file'), shown);
      if (inside) return inside;
    }
  }
  return { uri, shown };
}

/** True for a folder (an ignore rule like "secret/" matches only what is inside it, so a folder is checked as its contents too). */
export async function isFolder(uri: vscode.Uri): Promise<boolean> {
  const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
  return !!stat && (stat.type & vscode.FileType.Directory) !== 0;
}

/** Whether an entry of a listing is kept from the model (a folder also when its contents are). */
export async function entryRefused(files: FilePolicy, uri: vscode.Uri, folder: boolean): Promise<boolean> {
  if ((await files.check(uri)).reason) return true;
  return folder && !!(await files.check(vscode.Uri.joinPath(uri, 'file'))).reason;
}

export function isOutcome(x: Allowed | ToolOutcome | vscode.Uri): x is ToolOutcome {
  return 'status' in x;
}

/**
 * A file's text: the open document's (unsaved changes included), else the
 * disk's. Undefined with a reason when it is too large, binary or missing.
 */
export async function readText(uri: vscode.Uri): Promise<{ text: string } | { problem: string }> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc) return { text: doc.getText() };
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    return { problem: 'it does not exist' };
  }
  if (stat.type & vscode.FileType.Directory) return { problem: 'it is a folder (use list_dir)' };
  if (stat.size > TOOL_LIMITS.fileBytes) return { problem: `it is larger than ${TOOL_LIMITS.fileBytes / 1024 / 1024} MB` };
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.subarray(0, 8192).includes(0)) return { problem: 'it is a binary file' };
  return { text: new TextDecoder().decode(bytes) };
}
