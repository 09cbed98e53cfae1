// A unified diff (`git diff`) cut into files and sized to fit a prompt:
// files that must not be sent (secret-looking) and binary files are named,
// not sent; when the rest is too long, each file keeps a fair share of the
// room (small files whole, the start of large ones) and says what it left
// out; when not even that fits, files are listed with their line counts.

export type FileChange = 'added' | 'deleted' | 'modified' | 'renamed';

export interface DiffFile {
  /** The path after the change ('/' separators). */
  path: string;
  /** A renamed file's old path. */
  oldPath?: string;
  change: FileChange;
  binary: boolean;
  added: number;
  removed: number;
  /** The file's whole section, from its `diff --git` line. */
  text: string;
}

const HEADER = /^diff --git (?:"?a\/(.+?)"? "?b\/(.+?)"?)$/;

function unquote(path: string): string {
  return path.replace(/\\(["\\])/g, '$1');
}

/** Splits `git diff` output into its files. Text before the first `diff --git` line is ignored. */
export function parseDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let current: DiffFile | undefined;
  let lines: string[] = [];
  let inHunk = false;
  const close = () => {
    if (current) files.push({ ...current, text: lines.join('\n') });
  };
  for (const line of diff.replace(/\r\n/g, '\n').split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      close();
      current = { path: unquote(header[2]), change: 'modified', binary: false, added: 0, removed: 0, text: '' };
      if (header[1] !== header[2]) current.oldPath = unquote(header[1]);
      lines = [line];
      inHunk = false;
      continue;
    }
    if (!current) continue;
    lines.push(line);
    if (line.startsWith('@@')) inHunk = true;
    else if (inHunk && line.startsWith('+')) current.added++;
    else if (inHunk && line.startsWith('-')) current.removed++;
    else if (!inHunk) {
      if (line.startsWith('new file mode')) current.change = 'added';
      else if (line.startsWith('deleted file mode')) current.change = 'deleted';
      else if (line.startsWith('rename from ')) {
        current.change = 'renamed';
        current.oldPath = line.slice('rename from '.length);
      } else if (line.startsWith('rename to ')) current.path = line.slice('rename to '.length);
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') current.binary = true;
    }
  }
  close();
  return files;
}

export interface FittedDiff {
  /** The diff text to send: whole files, shortened files, then a list of files left out of the text. */
  text: string;
  /** Files sent whole. */
  whole: string[];
  /** Files sent in part (their start, with a note). */
  shortened: string[];
  /** Files only listed with their line counts (no room at all). */
  listed: string[];
  binary: string[];
  /** Secret-looking files: named only. */
  withheld: string[];
}

function describeFile(f: DiffFile): string {
  const what = f.change === 'renamed' && f.oldPath ? `renamed from ${f.oldPath}` : f.change;
  return `${f.path} (${what}, +${f.added} -${f.removed})`;
}

/** The start of a file's section within `room` characters, cut at a line end, with a note of what is left out. */
function shorten(f: DiffFile, room: number): string {
  const lines = f.text.split('\n');
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > room && kept.length > 0) break;
    kept.push(line);
    used += line.length + 1;
  }
  const left = lines.length - kept.length;
  return left > 0
    ? `${kept.join('\n')}\n… (${left} more lines of this file's diff not shown; +${f.added} -${f.removed} in all)`
    : kept.join('\n');
}

/**
 * Fits the files into `maxChars`. `withhold(path)` names files whose
 * content must not be sent. Sizes are in characters; the caller converts
 * its token budget.
 */
export function fitDiff(files: readonly DiffFile[], maxChars: number, withhold: (path: string) => boolean): FittedDiff {
  const out: FittedDiff = { text: '', whole: [], shortened: [], listed: [], binary: [], withheld: [] };
  const sendable: DiffFile[] = [];
  for (const f of files) {
    if (withhold(f.path) || (f.oldPath !== undefined && withhold(f.oldPath))) out.withheld.push(f.path);
    else if (f.binary) out.binary.push(f.path);
    else sendable.push(f);
  }
  const notes: string[] = [];
  if (out.binary.length) notes.push(`Binary files changed (content not shown): ${out.binary.join(', ')}`);
  if (out.withheld.length) notes.push(`Files that may hold secrets changed (content not sent): ${out.withheld.join(', ')}`);
  const noteText = notes.join('\n');
  let room = Math.max(0, maxChars - noteText.length - 2);

  // Water-filling: the smallest files first, each taking at most an equal share of what is left.
  const order = [...sendable].sort((a, b) => a.text.length - b.text.length);
  const MIN_SHARE = 400;
  const parts = new Map<DiffFile, string>();
  const shortened = new Set<DiffFile>();
  const listed: DiffFile[] = [];
  for (let i = 0; i < order.length; i++) {
    const f = order[i];
    const share = Math.floor(room / (order.length - i));
    if (f.text.length + 1 <= share) {
      parts.set(f, f.text);
      room -= f.text.length + 1;
    } else if (share >= MIN_SHARE) {
      const text = shorten(f, share);
      parts.set(f, text);
      shortened.add(f);
      room -= text.length + 1;
    } else {
      listed.push(f);
    }
  }
  // Keep git's order of files in the text and the lists.
  const sent = sendable.filter((f) => parts.has(f));
  out.whole = sent.filter((f) => !shortened.has(f)).map((f) => f.path);
  out.shortened = sent.filter((f) => shortened.has(f)).map((f) => f.path);
  const sections = sent.map((f) => parts.get(f)!);
  if (listed.length) {
    const lines = listed.map(describeFile);
    // With no room even for the list, the list is cut and says how many are missing.
    let list = '';
    let shown = 0;
    for (const line of lines) {
      if (list.length + line.length + 1 > Math.max(room, 200) && shown > 0) break;
      list += `${line}\n`;
      shown++;
    }
    if (shown < lines.length) list += `… and ${lines.length - shown} more files\n`;
    sections.push(`Also changed (diff not shown, too long):\n${list.trimEnd()}`);
    out.listed = sendable.filter((f) => listed.includes(f)).map((f) => f.path);
  }
  if (noteText) sections.push(noteText);
  out.text = sections.join('\n');
  return out;
}
