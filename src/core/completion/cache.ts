// An LRU of finished suggestions keyed by model + the tail of the text before
// the cursor + the head of the text after it. `lookup` also serves
// "typed-through": when the user types characters that match the start of a
// cached suggestion, the rest of it is returned without a request.

export interface CacheOptions {
  /** Entries kept (default 256). */
  maxEntries: number;
  /** Characters of the prefix tail in the key (default 1024). */
  prefixChars: number;
  /** Characters of the suffix head in the key (default 256). */
  suffixChars: number;
  /** How many typed characters back `lookup` searches for a suggestion (default 64). */
  maxTyped: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = { maxEntries: 256, prefixChars: 1024, suffixChars: 256, maxTyped: 64 };

export interface CacheHit {
  /** The suggestion to show from the cursor on. */
  text: string;
  /** Characters the user typed through since the suggestion was made (0 for an exact hit). */
  typed: number;
}

export class CompletionCache {
  private readonly opts: CacheOptions;
  private readonly map = new Map<string, string>();
  hits = 0;
  misses = 0;

  constructor(options: Partial<CacheOptions> = {}) {
    this.opts = { ...DEFAULT_CACHE_OPTIONS, ...options };
  }

  get size(): number {
    return this.map.size;
  }

  key(model: string, prefix: string, suffix: string): string {
    const tail = prefix.length > this.opts.prefixChars ? prefix.slice(prefix.length - this.opts.prefixChars) : prefix;
    const head = suffix.length > this.opts.suffixChars ? suffix.slice(0, this.opts.suffixChars) : suffix;
    return `${model}\u0000${tail}\u0000${head}`;
  }

  /** Stores a suggestion (an empty one too: "the model had nothing to add here"). */
  set(model: string, prefix: string, suffix: string, text: string): void {
    const k = this.key(model, prefix, suffix);
    this.map.delete(k);
    this.map.set(k, text);
    while (this.map.size > this.opts.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  /** Exact lookup; refreshes the entry's place in the LRU. */
  get(model: string, prefix: string, suffix: string): string | undefined {
    return this.touch(this.key(model, prefix, suffix));
  }

  private touch(k: string): string | undefined {
    const v = this.map.get(k);
    if (v === undefined) return undefined;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }

  /**
   * The suggestion for this position: an exact entry, or the remainder of a
   * suggestion made up to `maxTyped` characters earlier whose start the user
   * has typed since. Counts hits and misses.
   */
  lookup(model: string, prefix: string, suffix: string): CacheHit | undefined {
    const exact = this.get(model, prefix, suffix);
    if (exact !== undefined) {
      this.hits++;
      return { text: exact, typed: 0 };
    }
    const max = Math.min(this.opts.maxTyped, prefix.length);
    for (let k = 1; k <= max; k++) {
      const earlier = prefix.slice(0, prefix.length - k);
      const k2 = this.key(model, earlier, suffix);
      const entry = this.map.get(k2);
      if (entry === undefined) continue;
      const typed = prefix.slice(prefix.length - k);
      if (entry.length > typed.length && entry.startsWith(typed)) {
        this.touch(k2);
        this.hits++;
        return { text: entry.slice(typed.length), typed: k };
      }
    }
    this.misses++;
    return undefined;
  }

  clear(): void {
    this.map.clear();
  }
}
