// Cleans a raw model completion before it is shown as ghost text: leaked
// special tokens and <think> blocks out, trailing blank lines off, no
// repetition of the code below the cursor, one line (minus the overlap) when
// text stands right of the cursor, indentation that fits the current line,
// and at most `maxLines` lines.

export interface PostInput {
  /** Current line before the cursor. */
  linePrefix: string;
  /** Current line after the cursor. */
  lineSuffix: string;
  /** Everything after the cursor that the model saw: lineSuffix, then \n and the lines below. */
  suffix: string;
  /** Editor indentation, to convert tabs/spaces in multi-line suggestions. */
  indent?: { insertSpaces: boolean; tabSize: number };
}

export interface PostOptions {
  /** Maximum lines of a suggestion (default 16). */
  maxLines: number;
}

export type DropReason = 'empty' | 'equalsSuffix' | 'repeatsSuffix' | 'onlyOverlap';

export interface PostResult {
  /** The suggestion; empty when dropped. */
  text: string;
  dropped?: DropReason;
}

/** Any special token of the known FIM families (and a few chat ones) that may leak into output. */
const SPECIAL_TOKEN = new RegExp(
  [
    String.raw`<\|[A-Za-z0-9_]{1,40}\|>`, // <|fim_prefix|> <|endoftext|> <|file_sep|> <|im_end|> <|cursor|> <|EOT|>
    String.raw`<｜[^｜\n]{1,40}｜>`, // DeepSeek's full-width tokens
    String.raw`<\|[^|\n]{0,30}▁[^|\n]{0,30}\|>`, // DeepSeek's tokens written with ASCII pipes
    String.raw`</?(?:PRE|SUF|MID|EOT|EOD)>`, // Code Llama
    String.raw`</?(?:fim_prefix|fim_suffix|fim_middle|fim_pad|file_sep|repo_name|reponame|filename|gh_stars|empty_output|jupyter_[a-z]+|commit_[a-z]+|issue_[a-z]+)>`, // StarCoder
    String.raw`\[(?:PREFIX|SUFFIX|MIDDLE)\]`, // Codestral
    String.raw`</s>|<eos>|<(?:start|end)_of_turn>`,
  ].join('|'),
);

/** Removes `<think>…</think>` blocks; an unterminated one removes everything after it. */
export function stripThink(text: string): string {
  let out = text.replace(/<think>[\s\S]*?<\/think>\n?/g, '');
  const open = out.indexOf('<think>');
  if (open >= 0) out = out.slice(0, open);
  const close = out.indexOf('</think>');
  if (close >= 0) out = out.slice(close + '</think>'.length).replace(/^\n/, '');
  return out;
}

/** Cuts a completion at its first leaked special token (a token echoed at the very start is skipped). */
export function cutSpecialTokens(text: string): string {
  let out = text;
  for (;;) {
    const m = SPECIAL_TOKEN.exec(out);
    if (!m) return out;
    if (m.index === 0) {
      out = out.slice(m[0].length);
      continue;
    }
    return out.slice(0, m.index);
  }
}

function leading(text: string): string {
  return /^[ \t]*/.exec(text)?.[0] ?? '';
}

const CLOSER_LINE = /^[)\]}>;,]+$/;

/** Two lines are the same code: exact (with indentation) for closing-bracket lines, trimmed otherwise. */
function sameLine(a: string, b: string): boolean {
  const tb = b.trim();
  if (!tb) return !a.trim();
  return CLOSER_LINE.test(tb) ? a.trimEnd() === b.trimEnd() : a.trim() === tb;
}

const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Indexes of closing brackets in `text` that close nothing opened within it, and of unpaired quotes. */
function unmatched(text: string): Set<number> {
  const out = new Set<number>();
  const stack: string[] = [];
  const lastQuote: Record<string, number> = {};
  const quoteCount: Record<string, number> = {};
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in OPENERS) {
      if (stack.length && stack[stack.length - 1] === OPENERS[c]) stack.pop();
      else out.add(i);
    } else if (c === '"' || c === "'" || c === '`') {
      quoteCount[c] = (quoteCount[c] ?? 0) + 1;
      lastQuote[c] = i;
    }
  }
  for (const q of Object.keys(quoteCount)) if (quoteCount[q] % 2 === 1) out.add(lastQuote[q]);
  return out;
}

/**
 * Removes the end of `line` that repeats the start of the text right of the
 * cursor, when those characters close something opened before the cursor
 * (`foo(a)` before `)` becomes `foo(a`; `bar()` before `)` stays).
 */
export function removeOverlap(line: string, right: string): string {
  const r = right.trim();
  const l = line.trimEnd();
  if (!r) return line;
  const open = unmatched(l);
  for (let k = Math.min(l.length, r.length); k > 0; k--) {
    if (!l.endsWith(r.slice(0, k))) continue;
    let ok = true;
    for (let i = l.length - k; i < l.length && ok; i++) {
      const c = l[i];
      if (c in OPENERS || c === '"' || c === "'" || c === '`') ok = open.has(i);
    }
    if (ok) return l.slice(0, l.length - k);
  }
  return line;
}

function convertIndent(line: string, indent: { insertSpaces: boolean; tabSize: number }): string {
  const ws = leading(line);
  if (!ws) return line;
  const size = Math.max(1, indent.tabSize);
  let width = 0;
  for (const c of ws) width = c === '\t' ? width + size - (width % size) : width + 1;
  const fixed = indent.insertSpaces ? ' '.repeat(width) : '\t'.repeat(Math.floor(width / size)) + ' '.repeat(width % size);
  return fixed + line.slice(ws.length);
}

/** Cleans a raw completion for the cursor described by `ctx`. */
export function postprocess(raw: string, ctx: PostInput, options: Partial<PostOptions> = {}): PostResult {
  const maxLines = Math.max(1, options.maxLines ?? 16);
  let text = cutSpecialTokens(stripThink(raw.replace(/\r\n?/g, '\n'))).replace(/\s+$/, '');
  if (!text.trim()) return { text: '', dropped: 'empty' };
  let lines = text.split('\n');

  // Indentation. The cursor sits in leading whitespace: the model's own indent
  // of the first line repeats what is already typed.
  if (ctx.linePrefix && !ctx.linePrefix.trim()) {
    const ws = leading(lines[0]);
    lines[0] = lines[0].slice(Math.min(ws.length, ctx.linePrefix.length));
  }
  const base = leading(ctx.linePrefix + ctx.lineSuffix);
  const rest = lines.slice(1).filter((l) => l.trim());
  const opensBlock = /(?:[{([:]|=>)\s*$/.test(ctx.linePrefix + lines[0]);
  if (base && opensBlock && rest.length > 0 && rest.every((l) => !leading(l))) {
    // A block opened at an indented line continues at column 0: the model wrote
    // the following lines relative to the current line; make them absolute.
    lines = lines.map((l, i) => (i > 0 && l.trim() ? base + l : l));
  }
  if (ctx.indent) {
    const indent = ctx.indent;
    lines = lines.map((l, i) => (i > 0 ? convertIndent(l, indent) : l));
  }

  const right = ctx.lineSuffix;
  if (right.trim()) {
    // Text right of the cursor: one line, without what that text already has.
    const first = lines[0];
    if (first.trim() === right.trim()) return { text: '', dropped: 'equalsSuffix' };
    const kept = removeOverlap(first, right);
    if (!kept.trim() && !ctx.linePrefix.trim()) return { text: '', dropped: 'onlyOverlap' };
    if (!kept) return { text: '', dropped: 'onlyOverlap' };
    return { text: kept };
  }

  const completion = lines.join('\n');
  if (completion.trim() && completion.trim() === ctx.suffix.trim()) return { text: '', dropped: 'equalsSuffix' };

  const below = ctx.suffix.split('\n').slice(1);
  const nextLines = below.filter((l) => l.trim());
  // The whole lines the completion produces (the first one joined to the text before the cursor).
  const full = lines.map((l, i) => (i === 0 ? ctx.linePrefix + l : l));
  const written = full.filter((l) => l.trim());
  if (written.length > 0 && written.length <= nextLines.length && written.every((l, i) => sameLine(l, nextLines[i]))) {
    return { text: '', dropped: 'repeatsSuffix' };
  }
  const firstBelow = nextLines[0];
  if (firstBelow !== undefined) {
    const from = ctx.linePrefix.trim() ? 1 : 0;
    for (let i = from; i < full.length; i++) {
      if (full[i].trim() && sameLine(full[i], firstBelow)) {
        lines = lines.slice(0, i);
        break;
      }
    }
  }
  if (lines.length > maxLines) lines = lines.slice(0, maxLines);
  text = lines.join('\n').replace(/\s+$/, '');
  if (!text.trim()) return { text: '', dropped: lines.length === 0 ? 'repeatsSuffix' : 'empty' };
  return { text };
}
