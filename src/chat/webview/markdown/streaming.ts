// Incremental Markdown rendering for a reply that streams in. Finished
// top-level blocks are rendered once and handed out as `stable` HTML (the
// webview appends it and never touches it again); the unfinished last block
// is re-rendered as `tail` on each update. Only text after the last finished
// block is kept and parsed, so the work per update is bounded by the size of
// the unfinished part, not of the whole reply.
//
// A block counts as finished when another top-level block starts after it
// on a complete line: later text can then no longer change it. Incomplete
// last lines never decide a boundary ("#" alone is a heading, "#x" is not;
// a table's delimiter row can still turn out invalid). Limits: a reference
// link definition (`[x]: url`) only applies to text after the last finished
// block; an open code fence is one block until it closes.
import { highlight } from './highlight';
import { codeBlockHtml, fenceLanguage, markdown, type Markdown } from './render';

/** Lines of an open code fence highlighted together and cached while it streams. */
const FENCE_PIECE_LINES = 24;

/** Blocks that a blank line ends for good (unlike lists, which may go on, and code). */
const ENDED_BY_BLANK_LINE = new Set(['paragraph_open', 'heading_open', 'hr', 'table_open', 'blockquote_open']);

export interface RenderUpdate {
  /** HTML of blocks finished by this update, to append after earlier stable HTML. */
  stable: string;
  /** HTML of the unfinished rest, replacing the previous tail. */
  tail: string;
}

export interface RenderWork {
  /** Characters parsed so far (all updates). */
  parsedChars: number;
  /** Characters of source committed as stable blocks. */
  stableChars: number;
  /** Characters highlighted for open code fences in the tail (finished blocks not counted). */
  highlightedChars: number;
  updates: number;
}

/** Offsets of line starts in `text` (line i starts at result[i]). */
function lineStarts(text: string, upTo: number): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1 && starts.length <= upTo; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The tail when it is one open code fence, in pieces: the webview appends
 * new pieces to the block it already shows and replaces only `restHtml`.
 */
export interface OpenFence {
  lang: string;
  /** Where this fence starts in the whole text (identifies it). */
  start: number;
  /** Bumped when a piece already handed out changed (the block must be rebuilt). */
  version: number;
  /** Highlighted HTML of each complete piece of lines. */
  pieces: readonly string[];
  /** Highlighted HTML of the lines after the last complete piece. */
  restHtml: string;
}

export class StreamingMarkdown {
  private pending = '';
  /** Whether `pending` gained a newline since its boundaries were last checked. */
  private newLines = false;
  private finished = false;
  /** Highlighted pieces of a fence in the tail: [source, html] per FENCE_PIECE_LINES complete lines. */
  private fencePieces: [string, string][] = [];
  private fenceLang = '';
  private fenceVersion = 0;
  /** Set by `append` when the tail is a single open code fence. */
  openFence: OpenFence | undefined;
  readonly work: RenderWork = { parsedChars: 0, stableChars: 0, highlightedChars: 0, updates: 0 };

  constructor(private readonly md: Markdown = markdown()) {}

  /** Adds streamed text; returns newly finished blocks and the current tail. */
  append(text: string): RenderUpdate {
    if (this.finished) throw new Error('StreamingMarkdown: append after finish');
    this.pending += text;
    if (text.includes('\n')) this.newLines = true;
    this.work.updates++;
    const stable = this.newLines ? this.commit() : '';
    return { stable, tail: this.renderTail() };
  }

  /** The stream ended: everything left becomes stable; the tail is empty. */
  finish(): RenderUpdate {
    this.finished = true;
    this.openFence = undefined;
    const rest = this.pending;
    this.pending = '';
    this.work.parsedChars += rest.length;
    this.work.stableChars += rest.length;
    return { stable: rest ? this.md.render(rest) : '', tail: '' };
  }

  /** The source text not yet committed (the unfinished part). */
  get unfinished(): string {
    return this.pending;
  }

  private renderTail(): string {
    this.openFence = undefined;
    if (!this.pending) return '';
    this.work.parsedChars += this.pending.length;
    const env = {};
    const tokens = this.md.parse(this.pending, env);
    if (tokens.length === 1 && tokens[0].type === 'fence') return this.renderOpenFence(tokens[0].content, fenceLanguage(tokens[0].info));
    if (this.fencePieces.length) {
      this.fencePieces = [];
      this.fenceVersion++;
    }
    return this.md.renderer.render(tokens, this.md.options, env);
  }

  /**
   * A code fence that is the whole tail (usually still open): complete
   * pieces of lines are highlighted once and reused, so a long block costs
   * only its newest lines per update. Highlighting may differ at piece
   * borders (a string spanning them) until the block is finished and
   * rendered whole.
   */
  private renderOpenFence(code: string, lang: string): string {
    if (lang !== this.fenceLang) {
      this.fencePieces = [];
      this.fenceVersion++;
    }
    this.fenceLang = lang;
    let offset = 0;
    let html = '';
    for (let i = 0; ; i++) {
      let end = offset;
      let lines = 0;
      for (let nl = code.indexOf('\n', end); nl !== -1 && lines < FENCE_PIECE_LINES; nl = code.indexOf('\n', end)) {
        end = nl + 1;
        lines++;
      }
      if (lines < FENCE_PIECE_LINES) break;
      const source = code.slice(offset, end);
      const cached = this.fencePieces[i];
      if (!cached || cached[0] !== source) {
        if (cached) this.fenceVersion++;
        this.fencePieces[i] = [source, highlight(source, lang)];
        this.fencePieces.length = i + 1;
        this.work.highlightedChars += source.length;
      }
      html += this.fencePieces[i][1];
      offset = end;
    }
    const rest = code.slice(offset);
    this.work.highlightedChars += rest.length;
    const restHtml = highlight(rest, lang);
    this.openFence = {
      lang,
      start: this.work.stableChars,
      version: this.fenceVersion,
      pieces: this.fencePieces.map((p) => p[1]),
      restHtml,
    };
    return codeBlockHtml(code, lang, html + restHtml);
  }

  /** Moves blocks that are followed by another block (on complete lines) out of `pending`. */
  private commit(): string {
    this.newLines = false;
    const complete = this.pending.slice(0, this.pending.lastIndexOf('\n') + 1);
    if (!complete) return '';
    const env = {};
    this.work.parsedChars += complete.length;
    const tokens = this.md.parse(complete, env);
    let lastStart = -1;
    let lastIndex = -1;
    let lastType = '';
    let blocks = 0;
    tokens.forEach((t, i) => {
      if (t.level === 0 && t.nesting !== -1 && t.block && t.map) {
        blocks++;
        lastStart = t.map[0];
        lastIndex = i;
        lastType = t.type;
      }
    });
    if (blocks > 0 && /\n[ \t]*\n$/.test(complete) && ENDED_BY_BLANK_LINE.has(lastType)) {
      // A blank line already ended the last block: nothing after it can change it.
      const html = this.md.renderer.render(tokens, this.md.options, env);
      this.pending = this.pending.slice(complete.length);
      this.work.stableChars += complete.length;
      return html;
    }
    if (blocks < 2 || lastStart <= 0) return '';
    const offset = lineStarts(complete, lastStart)[lastStart];
    if (offset === undefined || offset <= 0) return '';
    const html = this.md.renderer.render(tokens.slice(0, lastIndex), this.md.options, env);
    this.pending = this.pending.slice(offset);
    this.work.stableChars += offset;
    return html;
  }
}

/** Renders a finished text in one go (the same HTML as streaming it and calling finish). */
export function renderAll(text: string, md: Markdown = markdown()): string {
  return md.render(text);
}
