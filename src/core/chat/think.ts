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
  /** Length of contentSoFar when an orphan `</think>` was seen. */
  private orphanCloseAt: number | undefined;

  push(chunk: string): Split {
    const out: Split = { content: '', reasoning: '' };
    let text = this.held + chunk;
    this.held = '';
    while (text.length > 0) {
      const tag = this.inThink ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      const other = this.inThink ? -1 : text.indexOf(CLOSE);
      if (other !== -1 && (at === -1 || other < at)) {
        // `</think>` outside a block.
        this.emit(out, text.slice(0, other), false);
        if (!this.sawOpen && this.orphanCloseAt === undefined) this.orphanCloseAt = this.contentSoFar.length;
        text = text.slice(other + CLOSE.length);
        continue;
      }
      if (at !== -1) {
        this.emit(out, text.slice(0, at), this.inThink);
        if (!this.inThink) this.sawOpen = true;
        this.inThink = !this.inThink;
        text = text.slice(at + tag.length);
        continue;
      }
      const hold = Math.max(partialTagAt(text, tag), this.inThink ? 0 : partialTagAt(text, CLOSE));
      this.emit(out, text.slice(0, text.length - hold), this.inThink);
      this.held = text.slice(text.length - hold);
      break;
    }
    return out;
  }

  /** A `reasoning_content` (or `reasoning`) delta. */
  pushReasoning(chunk: string): Split {
    const out: Split = { content: '', reasoning: '' };
    this.emit(out, chunk, true);
    return out;
  }

  /** Flushes a held partial tag (it was text after all). */
  finish(): Split & { reclassified: boolean } {
    const out: Split = { content: '', reasoning: '' };
    this.emit(out, this.held, this.inThink);
    this.held = '';
    return { ...out, reclassified: this.orphanCloseAt !== undefined && this.orphanCloseAt > 0 };
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

  private emit(out: Split, text: string, reasoning: boolean): void {
    if (!text) return;
    if (reasoning) {
      const t = this.reasoningSoFar ? text : text.replace(/^\s+/, '');
      this.reasoningSoFar += t;
      out.reasoning += t;
    } else {
      const t = this.contentSoFar ? text : text.replace(/^\s+/, '');
      this.contentSoFar += t;
      out.content += t;
    }
  }
}

/** Removes `<think>…</think>` blocks (and an unterminated one at the end) from finished text. */
export function stripThink(text: string): string {
  const s = new ThinkSplitter();
  s.push(text);
  s.finish();
  return s.result().content;
}
