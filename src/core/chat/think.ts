// Splits a streamed reply into reasoning and answer. Reasoning arrives either
// as `<think>…</think>` inside the content (tags may be split across chunks)
// or in separate `reasoning_content` / `reasoning` deltas. Reasoning is shown
// to the user but never sent back to the model in later turns.

const OPEN = '<think>';
const CLOSE = '</think>';

export interface Split {
  content: string;
  reasoning: string;
}

/** Pieces of one push, joined once at its end (concatenating thousands of pieces one by one costs more). */
interface Pieces {
  content: string[];
  reasoning: string[];
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagAt(text: string, tag: string): number {
  const max = Math.min(tag.length - 1, text.length);
  for (let n = max; n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/**
 * Incremental splitter. Feed content chunks with `push`, reasoning deltas
 * with `pushReasoning`, and call `finish` at the end of the stream. Each call
 * returns only what is new. Leading whitespace of the answer and of the
 * reasoning is dropped (models put blank lines after `</think>`).
 *
 * A `</think>` with no `<think>` before it (templates that open the block in
 * the prompt, e.g. DeepSeek-R1 distills) is stripped while streaming; `finish`
 * then reports in `reclassified` that everything before it was reasoning and
 * `result()` has the corrected split.
 */
export class ThinkSplitter {
  private inThink = false;
  private sawOpen = false;
  private held = '';
  private contentSoFar = '';
  private reasoningSoFar = '';
  /** Lengths of contentSoFar / reasoningSoFar including pieces of the push in progress. */
  private contentLength = 0;
  private reasoningLength = 0;
  /** Length of contentSoFar when an orphan `</think>` was seen. */
  private orphanCloseAt: number | undefined;

  push(chunk: string): Split {
    const out: Pieces = { content: [], reasoning: [] };
    const text = this.held + chunk;
    this.held = '';
    let at = 0;
    // The next tags at or after `at`, found again only once passed: one scan of the text, whatever it holds.
    let open = text.indexOf(OPEN);
    let close = text.indexOf(CLOSE);
    while (at < text.length) {
      if (open !== -1 && open < at) open = text.indexOf(OPEN, at);
      if (close !== -1 && close < at) close = text.indexOf(CLOSE, at);
      if (this.inThink && close !== -1) {
        this.emit(out, text.slice(at, close), true);
        this.inThink = false;
        at = close + CLOSE.length;
        continue;
      }
      if (!this.inThink && close !== -1 && (open === -1 || close < open)) {
        // `</think>` outside a block.
        this.emit(out, text.slice(at, close), false);
        if (!this.sawOpen && this.orphanCloseAt === undefined) this.orphanCloseAt = this.contentLength;
        at = close + CLOSE.length;
        continue;
      }
      if (!this.inThink && open !== -1) {
        this.emit(out, text.slice(at, open), false);
        this.sawOpen = true;
        this.inThink = true;
        at = open + OPEN.length;
        continue;
      }
      const rest = text.slice(at);
      const hold = Math.max(partialTagAt(rest, this.inThink ? CLOSE : OPEN), this.inThink ? 0 : partialTagAt(rest, CLOSE));
      this.emit(out, rest.slice(0, rest.length - hold), this.inThink);
      this.held = rest.slice(rest.length - hold);
      break;
    }
    return this.commit(out);
  }

  /** A `reasoning_content` (or `reasoning`) delta. */
  pushReasoning(chunk: string): Split {
    const out: Pieces = { content: [], reasoning: [] };
    this.emit(out, chunk, true);
    return this.commit(out);
  }

  /** Flushes a held partial tag (it was text after all). */
  finish(): Split & { reclassified: boolean } {
    const out: Pieces = { content: [], reasoning: [] };
    this.emit(out, this.held, this.inThink);
    this.held = '';
    return { ...this.commit(out), reclassified: this.orphanCloseAt !== undefined && this.orphanCloseAt > 0 };
  }

  /** Everything so far, with an orphan `</think>` applied. */
  result(): Split {
    if (this.orphanCloseAt === undefined || this.orphanCloseAt === 0) {
      return { content: this.contentSoFar, reasoning: this.reasoningSoFar };
    }
    const before = this.contentSoFar.slice(0, this.orphanCloseAt);
    const reasoning = [this.reasoningSoFar, before.trim()].filter(Boolean).join('\n\n');
    return { content: this.contentSoFar.slice(this.orphanCloseAt).replace(/^\s+/, ''), reasoning };
  }

  private emit(out: Pieces, text: string, reasoning: boolean): void {
    if (!text) return;
    if (reasoning) {
      const t = this.reasoningLength ? text : text.replace(/^\s+/, '');
      this.reasoningLength += t.length;
      if (t) out.reasoning.push(t);
    } else {
      const t = this.contentLength ? text : text.replace(/^\s+/, '');
      this.contentLength += t.length;
      if (t) out.content.push(t);
    }
  }

  private commit(out: Pieces): Split {
    const split = { content: out.content.join(''), reasoning: out.reasoning.join('') };
    this.contentSoFar += split.content;
    this.reasoningSoFar += split.reasoning;
    return split;
  }
}

/** Removes `<think>…</think>` blocks (and an unterminated one at the end) from finished text. */
export function stripThink(text: string): string {
  const s = new ThinkSplitter();
  s.push(text);
  s.finish();
  return s.result().content;
}
