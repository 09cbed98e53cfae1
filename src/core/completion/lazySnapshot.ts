// A DocumentSnapshot over a live document (an editor's text model): lines are
// read on demand and remembered, so a 5,000-line file costs only the lines
// the engine touches, and the lines it read stay as they were even after the
// user edits on (the engine prefetches and warms up later, from the same
// snapshot). Lines nobody read before an edit read as empty, never as another
// version's text. No VS Code here: the adapter wraps its TextDocument.
import type { DocumentSnapshot } from './excerpt';

/** What a snapshot needs of a live document. */
export interface LineSource {
  readonly lineCount: number;
  /** Changes with every edit. */
  readonly version: number;
  readonly isClosed?: boolean;
  lineAt(line: number): string;
}

export type SnapshotRest = Partial<Omit<DocumentSnapshot, 'lineCount' | 'lineAt' | 'line' | 'character'>>;

export interface Replacement {
  /** Line, start and end character of text to replace in the snapshot (the suggest widget's selected item). */
  line: number;
  start: number;
  end: number;
  text: string;
}

export function lazySnapshot(
  source: LineSource,
  line: number,
  character: number,
  rest: SnapshotRest = {},
  replace?: Replacement,
): DocumentSnapshot {
  const version = source.version;
  const lineCount = source.lineCount;
  const memo = new Map<number, string>();
  let ch = character;
  if (replace && replace.line === line) {
    const text = source.lineAt(line);
    memo.set(line, text.slice(0, replace.start) + replace.text + text.slice(Math.max(replace.end, character)));
    ch = replace.start + replace.text.length;
  }
  const lineAt = (i: number): string => {
    const known = memo.get(i);
    if (known !== undefined) return known;
    if (i < 0 || i >= lineCount || source.isClosed || source.version !== version) return '';
    const text = source.lineAt(i);
    memo.set(i, text);
    return text;
  };
  return {
    fileName: 'untitled',
    languageId: 'plaintext',
    ...rest,
    lineCount,
    lineAt,
    line: Math.min(line, Math.max(0, lineCount - 1)),
    character: ch,
  };
}
