// What the user attaches to a chat message: a selection, the current file,
// its problems, or workspace files picked with `@` (the data types are in
// types.ts), and formatting them into the prompt. What may be attached
// without asking is the file policy's decision (src/core/filePolicy.ts).
import type { Attachment, AttachmentChip, Problem } from './types';

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export function attachmentLabel(item: Attachment): string {
  const name = baseName(item.path);
  switch (item.kind) {
    case 'selection':
      return item.lines ? `${name}:${item.lines.start}-${item.lines.end}` : name;
    case 'problems':
      return `Problems: ${name} (${item.problems?.length ?? 0})`;
    default:
      return name;
  }
}

export function toChip(item: Attachment): AttachmentChip {
  const range = item.lines ? ` lines ${item.lines.start}-${item.lines.end}` : '';
  const what = item.kind === 'problems' ? 'problems in ' : '';
  return { id: item.id, kind: item.kind, label: attachmentLabel(item), detail: `${what}${item.path}${range}` };
}

/** Identity of the content an item brings: the same file attached twice has one key. */
export function attachmentKey(item: Attachment): string {
  if (item.kind === 'selection') return `sel:${item.path}:${item.lines?.start ?? ''}-${item.lines?.end ?? ''}`;
  if (item.kind === 'problems') return `problems:${item.path}`;
  return `file:${item.path}`;
}

/**
 * Drops repeated items (same key) and selections of a file that is attached
 * whole, so no text reaches the prompt twice. Keeps the first occurrence.
 */
export function dedupeAttachments(items: readonly Attachment[]): Attachment[] {
  const seen = new Set<string>();
  const wholeFiles = new Set(items.filter((i) => i.kind === 'file' || i.kind === 'workspaceFile').map((i) => i.path));
  const out: Attachment[] = [];
  for (const item of items) {
    const key = attachmentKey(item);
    if (seen.has(key)) continue;
    if (item.kind === 'selection' && wholeFiles.has(item.path)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/** A backtick fence longer than any run of backticks inside `text`. */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * Cuts `text` to at most `maxChars`, at a line end when one is near, and
 * says so in a last line. Returns the text unchanged when it fits.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const keep = Math.max(0, maxChars);
  let cut = text.lastIndexOf('\n', keep);
  if (cut < keep * 0.8) cut = keep;
  const shownLines = text.slice(0, cut).split('\n').length;
  const totalLines = text.split('\n').length;
  return `${text.slice(0, cut)}\n… [truncated: ${shownLines} of ${totalLines} lines shown]`;
}

/** The item with its text cut to `maxChars` (marking `truncatedFrom`). */
export function truncateAttachment(item: Attachment, maxChars: number): Attachment {
  if (item.text !== undefined && item.text.length > maxChars) {
    return { ...item, text: truncateText(item.text, maxChars), truncatedFrom: item.truncatedFrom ?? item.text.length };
  }
  if (item.problems && formatProblems(item).length > maxChars) {
    const problems: Problem[] = [];
    // The header and the "… more not shown" line count too.
    let size = `Problems in \`${item.path}\`:\n`.length + 32;
    for (const p of item.problems) {
      size += formatProblem(p).length + 1;
      if (size > maxChars) break;
      problems.push(p);
    }
    return { ...item, problems, truncatedFrom: item.truncatedFrom ?? item.problems.length };
  }
  return item;
}

function formatProblem(p: Problem): string {
  const where = p.column ? `line ${p.line}, column ${p.column}` : `line ${p.line}`;
  const origin = [p.source, p.code].filter(Boolean).join(' ');
  return `- ${p.severity} at ${where}: ${p.message}${origin ? ` [${origin}]` : ''}`;
}

function formatProblems(item: Attachment): string {
  const list = item.problems ?? [];
  const lines = list.map(formatProblem);
  if (item.truncatedFrom && item.truncatedFrom > list.length) lines.push(`- … ${item.truncatedFrom - list.length} more not shown`);
  return `Problems in \`${item.path}\`:\n${lines.length ? lines.join('\n') : '- none'}`;
}

/** One attachment as prompt text: a header line and a fenced block. */
export function formatAttachment(item: Attachment): string {
  if (item.kind === 'problems') return formatProblems(item);
  const text = item.text ?? '';
  const fence = fenceFor(text);
  let header: string;
  if (item.kind === 'selection' && item.lines) {
    header = `Selection from \`${item.path}\` (lines ${item.lines.start}-${item.lines.end}):`;
  } else if (item.kind === 'selection') {
    header = `Selection from \`${item.path}\`:`;
  } else {
    header = `File \`${item.path}\`:`;
  }
  return `${header}\n${fence}${item.language ?? ''}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** The content of a user turn as sent to the model: attachments first, then the question. */
export function formatUserContent(text: string, items: readonly Attachment[] = []): string {
  if (items.length === 0) return text;
  return [...items.map(formatAttachment), text].join('\n\n');
}
