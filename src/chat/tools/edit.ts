// propose_edit: the model's change to one file, shown as a diff with Accept
// and Reject (the shared proposals service, as Fix uses). Nothing is written
// unless the user accepts; the outcome is the tool's result. Stop rejects it.
import * as vscode from 'vscode';
import { occurrences, refused, type ToolOutcome } from '../../core/chat/tools';
import type { FilePolicy } from '../../filePolicy';
import type { Proposals } from '../../proposals';
import { allowedPath, isOutcome } from './files';

export interface EditArgs {
  path: string;
  old_text: string;
  new_text: string;
  explanation?: string;
}

export async function proposeEdit(files: FilePolicy, proposals: Proposals, args: EditArgs, signal?: AbortSignal): Promise<ToolOutcome> {
  const target = await allowedPath(files, args.path);
  if (isOutcome(target)) return target;
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(target.uri);
  } catch {
    return refused(
      `Refused: ${target.shown} does not exist or cannot be opened as text; propose_edit changes existing files only.`,
      'no such file',
    );
  }
  // The model writes "\n"; a CRLF file holds "\r\n".
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const fit = (t: string) => (eol === '\n' ? t : t.replace(/\r?\n/g, eol));
  const original = fit(args.old_text);
  const text = doc.getText();
  const { count, first } = occurrences(text, original);
  if (count === 0) {
    return refused(
      `Refused: old_text was not found in ${target.shown}. It must be copied exactly from the file, whitespace included (read the file first).`,
      'old_text not found',
    );
  }
  if (count > 1) {
    return refused(
      `Refused: old_text occurs ${count} times in ${target.shown}; include more of the surrounding lines so that it occurs once.`,
      `old_text occurs ${count} times`,
    );
  }
  if (signal?.aborted) return { status: 'error', content: 'Stopped by the user before the change was shown.', summary: 'stopped' };
  const range = new vscode.Range(doc.positionAt(first), doc.positionAt(first + original.length));
  const shown = await proposals.propose({
    uri: target.uri,
    range,
    original,
    replacement: fit(args.new_text),
    label: 'Edit',
    detail: args.explanation,
  });
  const onAbort = () => void proposals.reject(shown.uri);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort(); // Stop while the diff was opening
  const outcome = await shown.outcome.finally(() => signal?.removeEventListener('abort', onAbort));
  const lines = `lines ${range.start.line + 1}-${range.end.line + 1}`;
  if (signal?.aborted) return { status: 'error', content: 'Stopped by the user; the change was not applied.', summary: 'stopped' };
  switch (outcome) {
    case 'accepted':
      return { status: 'ok', content: `The user accepted the change; it was applied to ${target.shown} (${lines}).`, summary: 'accepted' };
    case 'rejected':
      return { status: 'ok', content: `The user rejected the change; ${target.shown} is unchanged.`, summary: 'rejected' };
    case 'stale':
      return {
        status: 'error',
        content: `${target.shown} changed before the user accepted, so nothing was applied. Read it again before proposing another change.`,
        summary: 'file changed; not applied',
      };
  }
}
