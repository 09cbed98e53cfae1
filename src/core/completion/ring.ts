// The extra-context ring: chunks of recently opened, edited, saved or copied
// files, sent as llama.cpp `input_extra`. The server puts these chunks FIRST
// in the prompt, so their order must not change between requests: new chunks
// are appended, the oldest are evicted, and a near-duplicate of a chunk
// already held is dropped rather than moved. `version` changes whenever the
// ring does, so the engine knows when to warm the server's cache up. The ring
// is bounded in characters as well as lines: a chunk of a minified file is
// cut to `maxChunkChars`, the ring holds at most `maxTotalChars`, and a chunk
// that does not fit a request's budget is passed over, not a wall.
import type { ExtraChunk } from './templates';
import { isSecretLooking } from '../secretFiles';

export type { ExtraChunk };

export interface RingOptions {
  /** Maximum chunks held (default 16). */
  maxChunks: number;
  /** Lines per chunk (default 64). */
  chunkLines: number;
  /** A chunk whose line set is more similar than this to one held is dropped (default 0.9). */
  similarity: number;
  /** Characters per chunk: longer ones are cut at a line end (default 4,096; ~1,400 tokens). */
  maxChunkChars: number;
  /** Characters in the whole ring: the oldest chunks go first (default 64 KB). */
  maxTotalChars: number;
  /** Files that may be included (e.g. not ignored by .gitignore). Secret-looking files never are. */
  isAllowed?: (fileName: string) => boolean;
}

export const DEFAULT_RING_OPTIONS: RingOptions = {
  maxChunks: 16,
  chunkLines: 64,
  similarity: 0.9,
  maxChunkChars: 4096,
  maxTotalChars: 64 * 1024,
};

/** `text` cut to at most `max` characters, at the last line end when there is one in the second half. */
export function clipChunk(text: string, max: number): string {
  if (text.length <= max) return text;
  const nl = text.lastIndexOf('\n', max - 1);
  return nl >= max / 2 ? text.slice(0, nl + 1) : text.slice(0, max);
}

function lineSet(text: string): Set<string> {
  const set = new Set<string>();
  for (const l of text.split('\n')) {
    const t = l.trim();
    if (t) set.add(t);
  }
  return set;
}

/** Dice similarity of two chunks' sets of non-blank, trimmed lines (0…1). */
export function chunkSimilarity(a: string, b: string): number {
  const sa = lineSet(a);
  const sb = lineSet(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let common = 0;
  for (const l of sa) if (sb.has(l)) common++;
  return (2 * common) / (sa.size + sb.size);
}

export class ExtraRing {
  private readonly opts: RingOptions;
  private items: { chunk: ExtraChunk; lines: Set<string> }[] = [];
  private _version = 0;
  private chars = 0;

  constructor(options: Partial<RingOptions> = {}) {
    this.opts = { ...DEFAULT_RING_OPTIONS, ...options };
  }

  /** Changes whenever a chunk is added or removed. */
  get version(): number {
    return this._version;
  }

  get chunks(): readonly ExtraChunk[] {
    return this.items.map((i) => i.chunk);
  }

  get size(): number {
    return this.items.length;
  }

  allowed(fileName: string): boolean {
    return !isSecretLooking(fileName) && (this.opts.isAllowed ? this.opts.isAllowed(fileName) : true);
  }

  /**
   * Adds a chunk of text from a file. Returns false (ring unchanged) when the
   * file is not allowed, the chunk is nearly empty, or a near-duplicate is held.
   */
  add(fileName: string, fullText: string): boolean {
    if (!this.allowed(fileName)) return false;
    const text = clipChunk(fullText, this.opts.maxChunkChars);
    const lines = lineSet(text);
    if (lines.size < 3) return false;
    for (const item of this.items) {
      let common = 0;
      for (const l of lines) if (item.lines.has(l)) common++;
      if ((2 * common) / (lines.size + item.lines.size) > this.opts.similarity) return false;
    }
    const chunk = { filename: fileName, text: text.endsWith('\n') ? text : `${text}\n` };
    this.items.push({ chunk, lines });
    this.chars += chunk.text.length;
    while (this.items.length > this.opts.maxChunks || (this.chars > this.opts.maxTotalChars && this.items.length > 1)) {
      this.chars -= (this.items.shift() as { chunk: ExtraChunk }).chunk.text.length;
    }
    this._version++;
    return true;
  }

  /**
   * Adds the chunk of `chunkLines` lines around `centerLine` of a document
   * (opened, edited or saved). The window is aligned to half-chunk steps so
   * that repeated events near one place produce the same chunk.
   */
  addAround(fileName: string, lineAt: (line: number) => string, lineCount: number, centerLine: number): boolean {
    const n = Math.max(1, this.opts.chunkLines);
    const half = Math.max(1, Math.floor(n / 2));
    let start = Math.floor(Math.max(0, centerLine - half) / half) * half;
    start = Math.max(0, Math.min(start, lineCount - n));
    const end = Math.min(lineCount, start + n);
    const lines: string[] = [];
    for (let i = start; i < end; i++) lines.push(lineAt(i));
    return this.add(fileName, lines.join('\n'));
  }

  /** Adds copied text (at most `chunkLines` lines of it). */
  addCopied(fileName: string, text: string): boolean {
    const lines = text.split('\n').slice(0, this.opts.chunkLines);
    return this.add(fileName, lines.join('\n'));
  }

  /** Removes every chunk of a file (e.g. it was deleted or became ignored). */
  removeFile(fileName: string): void {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.chunk.filename !== fileName);
    this.chars = this.items.reduce((n, i) => n + i.chunk.text.length, 0);
    if (this.items.length !== before) this._version++;
  }

  clear(): void {
    if (this.items.length === 0) return;
    this.items = [];
    this.chars = 0;
    this._version++;
  }

  /** Characters held (all chunks' text). */
  get totalChars(): number {
    return this.chars;
  }

  /**
   * The newest chunks that fit `budgetTokens`, in ring order (the same ring
   * gives the same selection, so the prompt prefix stays stable). A chunk too
   * big for what is left is passed over, so one large chunk cannot crowd out
   * the others. Chunks of `excludeFile` (the file being edited, already in the
   * prompt) are left out.
   */
  select(budgetTokens: number, charsPerToken: number, excludeFile?: string): ExtraChunk[] {
    if (budgetTokens <= 0) return [];
    const out: ExtraChunk[] = [];
    let used = 0;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const chunk = this.items[i].chunk;
      if (chunk.filename === excludeFile) continue;
      // File name line and separator token besides the text.
      const cost = Math.ceil((chunk.text.length + chunk.filename.length + 2) / charsPerToken) + 2;
      if (used + cost > budgetTokens) continue;
      used += cost;
      out.push(chunk);
    }
    return out.reverse();
  }
}

/**
 * llama.cpp's room for `input_extra`: `n_ctx - n_batch - 2*n_predict` (per
 * slot; with the server's default n_predict of -1 that is n_ctx - n_batch + 2),
 * reduced by a safety factor. Zero when the slot is no bigger than the batch.
 */
export function extraBudget(nCtx: number | undefined, nBatch: number, serverNPredict = -1, safety = 0.85): number {
  if (!nCtx) return 0;
  return Math.max(0, Math.floor((nCtx - nBatch - 2 * serverNPredict) * safety));
}

/** Whether to send a warm-up request now: the ring changed since the last one and the user is idle. */
export function warmupDue(state: {
  ringVersion: number;
  warmedVersion: number;
  idleForMs: number;
  idleMs: number;
  busy: boolean;
}): boolean {
  return !state.busy && state.ringVersion !== state.warmedVersion && state.idleForMs >= state.idleMs;
}

/** Calls `fire` once `idleMs` passed without a `touch(true)`; `touch(false)` re-arms without counting as activity. */
export class IdleTimer {
  private timer?: ReturnType<typeof setTimeout>;
  private lastActivity = Date.now();

  constructor(private readonly fire: () => void) {}

  get idleForMs(): number {
    return Date.now() - this.lastActivity;
  }

  touch(activity: boolean, idleMs: number): void {
    if (activity) this.lastActivity = Date.now();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, idleMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
