// Builds the fill-in-the-middle context from a plain snapshot of a document.
// Shaped for llama.cpp's prompt cache (see /infill's `format_infill`): the
// server lays a request out as [extra][FIM_PRE][input_prefix][prompt]
// [FIM_SUF][input_suffix][FIM_MID], keeps only the last 3*(n_batch/4) prefix
// tokens and the first n_batch/4 - 2 - prompt suffix tokens. So:
// - the prefix START moves in coarse line steps, and only when the cursor
//   crosses a step, never with each keystroke;
// - the prefix stays under the server's cap, so the server never cuts it at a
//   point that shifts with every token;
// - the current line up to the cursor goes in `prompt`, earlier lines in
//   `input_prefix`, so typing on a line re-evaluates only the line and suffix.

/** A document as the engine sees it: no VS Code types, lines fetched on demand. */
export interface DocumentSnapshot {
  lineCount: number;
  /** The text of a line without its line break. */
  lineAt(line: number): string;
  /** Cursor position (0-based line, UTF-16 character offset). */
  line: number;
  character: number;
  /** Workspace-relative path, used in prompts and as the extra-context file name. */
  fileName: string;
  languageId: string;
  /** True when a non-empty selection exists. */
  hasSelection?: boolean;
  /** Number of cursors (multi-cursor editing). */
  cursorCount?: number;
  /** Editor indentation settings, for post-processing. */
  indent?: { insertSpaces: boolean; tabSize: number };
}

/** A snapshot from a whole text (tests, benchmarks). Lines split on \n, \r dropped. */
export function snapshotFromText(
  text: string,
  line: number,
  character: number,
  rest: Partial<Omit<DocumentSnapshot, 'lineCount' | 'lineAt' | 'line' | 'character'>> = {},
): DocumentSnapshot {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return snapshotFromLines(lines, line, character, rest);
}

export function snapshotFromLines(
  lines: readonly string[],
  line: number,
  character: number,
  rest: Partial<Omit<DocumentSnapshot, 'lineCount' | 'lineAt' | 'line' | 'character'>> = {},
): DocumentSnapshot {
  return {
    fileName: 'untitled',
    languageId: 'plaintext',
    ...rest,
    lineCount: lines.length,
    lineAt: (i) => lines[i] ?? '',
    line,
    character,
  };
}

export interface ExcerptOptions {
  /** Lines above the cursor (default 256). */
  prefixLines: number;
  /** Lines below the cursor (default 64). */
  suffixLines: number;
  /** The prefix start moves in steps of this many lines (default 16). */
  prefixStep: number;
  /** Characters per token for estimates (~2.8 for code; the engine adapts it from server timings). */
  charsPerToken: number;
  /** The server's batch size (llama.cpp `-b`, default 2048): sets /infill's prefix and suffix caps. */
  nBatch: number;
  /** Context length of one slot, when known: prefix + suffix + extra + generation must fit it. */
  nCtx?: number;
  /** Tokens to generate, reserved out of nCtx. */
  nPredict: number;
  /** Estimated tokens of extra context in the same request, reserved out of nCtx. */
  extraTokens?: number;
  /** Fraction of each cap actually used, for estimate error (default 0.85). */
  safety: number;
  /**
   * A further cap on suffix tokens. The suffix follows `prompt` in /infill's
   * layout, so it is evaluated again on every keystroke; on a slow server the
   * engine keeps it short.
   */
  maxSuffixTokens?: number;
  /**
   * Where the prefix started in this document last time. It stays there while
   * the prefix fits (the server's cached prompt keeps matching); when it no
   * longer fits it moves far enough that typing goes on for a while before the
   * next move (to `refill` of the budget).
   */
  anchor?: number;
  /** Fill of the prefix budget after the start had to move (default 0.75). */
  refill: number;
}

export const DEFAULT_EXCERPT_OPTIONS: ExcerptOptions = {
  prefixLines: 256,
  suffixLines: 64,
  prefixStep: 16,
  charsPerToken: 2.8,
  nBatch: 2048,
  nPredict: 128,
  safety: 0.85,
  refill: 0.75,
};

export interface Excerpt {
  /** Whole lines above the cursor (each ending in \n), plus, for very long lines, the head of the current line. */
  inputPrefix: string;
  /** The current line up to the cursor (or its tail, for very long lines). */
  prompt: string;
  /** Rest of the current line, then lines below (joined with \n). */
  suffix: string;
  /** Current line before / after the cursor. */
  linePrefix: string;
  lineSuffix: string;
  /** First line of the prefix window and one past the last line of the suffix window. */
  prefixStartLine: number;
  suffixEndLine: number;
  line: number;
  fileName: string;
  languageId: string;
  /** Leading whitespace of the current line, in characters (llama.cpp `n_indent`). */
  indent: number;
  /** Estimated tokens of each part. */
  tokens: { prefix: number; prompt: number; suffix: number };
}

export function estimateTokens(text: string, charsPerToken: number): number {
  return Math.ceil(text.length / Math.max(0.5, charsPerToken));
}

/** The token budgets for prefix (+prompt) and suffix under /infill's caps and the slot's context. */
export function tokenBudgets(opts: ExcerptOptions, promptTokens: number): { prefix: number; suffix: number } {
  const quarter = Math.floor(opts.nBatch / 4);
  let prefix = 3 * quarter;
  let suffix = Math.max(0, quarter - 2 - promptTokens);
  if (opts.nCtx && opts.nCtx > 0) {
    // Three FIM tokens, a BOS and a little slack besides the parts themselves.
    const available = Math.max(0, opts.nCtx - opts.nPredict - (opts.extraTokens ?? 0) - 8 - promptTokens);
    suffix = Math.min(suffix, Math.floor(available / 4));
    prefix = Math.min(prefix, available - suffix);
  }
  suffix = Math.floor(suffix * opts.safety);
  if (opts.maxSuffixTokens !== undefined) suffix = Math.min(suffix, opts.maxSuffixTokens);
  return { prefix: Math.max(0, Math.floor(prefix * opts.safety)), suffix: Math.max(0, suffix) };
}

function leadingWhitespace(text: string): number {
  const m = /^[ \t]*/.exec(text);
  return m ? m[0].length : 0;
}

/** Builds the FIM context for the cursor of `doc`. Touches only the lines it uses. */
export function buildExcerpt(doc: DocumentSnapshot, options: Partial<ExcerptOptions> = {}): Excerpt {
  const opts = { ...DEFAULT_EXCERPT_OPTIONS, ...options };
  const cpt = opts.charsPerToken;
  const line = Math.min(Math.max(0, doc.line), Math.max(0, doc.lineCount - 1));
  const current = doc.lineAt(line);
  const character = Math.min(Math.max(0, doc.character), current.length);
  const linePrefix = current.slice(0, character);
  const lineSuffix = current.slice(character);

  // A very long current line (minified code): its head joins input_prefix at a
  // boundary that moves in half-cap steps, so `prompt` stays bounded.
  const promptCapChars = Math.max(64, Math.floor((opts.nBatch / 8) * cpt));
  const half = Math.floor(promptCapChars / 2);
  const split = character > promptCapChars ? Math.floor((character - half) / half) * half : 0;
  const prompt = linePrefix.slice(split);
  const promptTokens = estimateTokens(prompt, cpt);
  const budgets = tokenBudgets(opts, promptTokens);

  // Prefix window: the previous start while it still fits, else one aligned to
  // the step; then whole steps dropped while over budget.
  const step = Math.max(1, Math.floor(opts.prefixStep));
  const maxLines = Math.max(0, opts.prefixLines);
  const earliest = Math.max(0, line - maxLines);
  const anchored = opts.anchor !== undefined && opts.anchor <= line && line - opts.anchor <= maxLines + Math.ceil(maxLines / 4);
  let start = anchored ? (opts.anchor as number) : Math.min(line, Math.ceil(earliest / step) * step);
  const headTokens = estimateTokens(linePrefix.slice(0, split), cpt);
  const lengths: number[] = [];
  let chars = 0;
  for (let i = start; i < line; i++) {
    const len = doc.lineAt(i).length + 1;
    lengths.push(len);
    chars += len;
  }
  const limitChars = Math.max(0, (budgets.prefix - headTokens) * cpt);
  const first = line - lengths.length;
  // Once the start has to move, it moves until the prefix fills only `refill` of the budget.
  const target = chars > limitChars ? limitChars * Math.min(1, opts.refill) : limitChars;
  while (start < line && chars > target) {
    // Whole steps; line by line only within the last step (very long lines),
    // rather than dropping the whole prefix.
    const next = start + step < line ? start + step : start + 1;
    for (let i = start; i < next; i++) chars -= lengths[i - first];
    start = next;
  }
  const parts: string[] = [];
  for (let i = start; i < line; i++) parts.push(doc.lineAt(i), '\n');
  const inputPrefix = parts.join('') + linePrefix.slice(0, split);

  // Suffix window: rest of the line, then whole lines while under budget.
  const suffixLimit = budgets.suffix * cpt;
  let suffix = lineSuffix.length > suffixLimit ? lineSuffix.slice(0, Math.floor(suffixLimit)) : lineSuffix;
  let end = line + 1;
  const lastLine = Math.min(doc.lineCount, line + 1 + Math.max(0, opts.suffixLines));
  while (end < lastLine) {
    const text = doc.lineAt(end);
    if (suffix.length + 1 + text.length > suffixLimit) break;
    suffix += `\n${text}`;
    end++;
  }

  return {
    inputPrefix,
    prompt,
    suffix,
    linePrefix,
    lineSuffix,
    prefixStartLine: start,
    suffixEndLine: end,
    line,
    fileName: doc.fileName,
    languageId: doc.languageId,
    indent: leadingWhitespace(current),
    tokens: { prefix: estimateTokens(inputPrefix, cpt), prompt: promptTokens, suffix: estimateTokens(suffix, cpt) },
  };
}

/** What may stand right of the cursor for a completion to make sense. */
export type RightOfCursor = 'closers' | 'whitespace' | 'any';

export type SkipReason = 'selection' | 'multipleCursors' | 'textRightOfCursor' | 'noCursor';

export interface RequestCheck {
  ok: boolean;
  reason?: SkipReason;
  /** A sentence for the log / status bar. */
  message?: string;
}

const CLOSERS = /^[\s)\]}>'"`;,]*$/;

/**
 * Whether a completion request makes sense here: not with a selection, not
 * with several cursors, and (by default) only when nothing but closing
 * brackets, quotes, semicolons, commas or whitespace stands right of the cursor.
 */
export function shouldRequest(doc: DocumentSnapshot, rightOfCursor: RightOfCursor = 'closers'): RequestCheck {
  if (doc.line < 0 || doc.line >= Math.max(1, doc.lineCount)) {
    return { ok: false, reason: 'noCursor', message: 'The cursor is outside the document.' };
  }
  if (doc.hasSelection) return { ok: false, reason: 'selection', message: 'No completion while text is selected.' };
  if ((doc.cursorCount ?? 1) > 1) {
    return { ok: false, reason: 'multipleCursors', message: 'No completion with several cursors.' };
  }
  if (rightOfCursor !== 'any') {
    const right = doc.lineAt(doc.line).slice(doc.character);
    const allowed = rightOfCursor === 'whitespace' ? /^\s*$/ : CLOSERS;
    if (!allowed.test(right)) {
      return { ok: false, reason: 'textRightOfCursor', message: 'No completion in the middle of text on this line.' };
    }
  }
  return { ok: true };
}

/** The first `chars` characters after the cursor, straight from the document (cache keys). */
export function textAfterCursor(doc: DocumentSnapshot, chars: number): string {
  let out = doc.lineAt(doc.line).slice(doc.character);
  for (let i = doc.line + 1; out.length < chars && i < doc.lineCount; i++) out += `\n${doc.lineAt(i)}`;
  return out.slice(0, chars);
}

/**
 * The document as it would be after accepting `text` at the cursor, with the
 * cursor after it (for prefetching the suggestion that follows an accept).
 */
export function applySuggestion(doc: DocumentSnapshot, text: string): DocumentSnapshot {
  const current = doc.lineAt(doc.line);
  const before = current.slice(0, doc.character);
  const after = current.slice(doc.character);
  const inserted = (before + text).split('\n');
  const lastIndex = inserted.length - 1;
  const character = inserted[lastIndex].length;
  inserted[lastIndex] += after;
  const line = doc.line;
  const grow = inserted.length - 1;
  return {
    ...doc,
    lineCount: doc.lineCount + grow,
    lineAt: (i) => (i < line ? doc.lineAt(i) : i <= line + grow ? inserted[i - line] : doc.lineAt(i - grow)),
    line: line + grow,
    character,
    hasSelection: false,
    cursorCount: 1,
  };
}
