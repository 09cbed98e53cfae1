// Replays a person typing a region of a real source file through the
// CompletionEngine: realistic keystroke gaps, pauses at line ends and now
// and then mid-line, auto-indent after Enter, and accepting a shown
// suggestion when it is what they were about to type. Records what the user
// would have seen: the latency from the last keystroke to ghost text in each
// pause, and the engine's own time per trigger.
import { lazySnapshot } from '../src/core/completion/lazySnapshot';
import type { CompletionEngine } from '../src/core/completion/engine';

export interface ReplayOptions {
  engine: CompletionEngine;
  /** The whole true file. */
  lines: readonly string[];
  regionStart: number;
  regionLines: number;
  fileName: string;
  languageId: string;
  seed: number;
  /** Chance to accept a suggestion that matches what comes next (default 0.6). */
  acceptProbability?: number;
  /** A gap at least this long is a pause (default 350 ms). */
  pauseMs?: number;
}

export interface ReplayResult {
  keystrokes: number;
  triggers: number;
  pauses: number;
  /** Pauses in which ghost text appeared, and how long after the last keystroke. */
  pauseLatencies: number[];
  pausesWithoutGhost: number;
  accepts: number;
  acceptedChars: number;
  /** Synchronous time of each engine.complete() call (ms). */
  callMs: number[];
  durationMs: number;
}

/** Mulberry32: a small seeded PRNG, so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const random = rng(o.seed);
  const pauseMs = o.pauseMs ?? 350;
  const acceptP = o.acceptProbability ?? 0.6;
  const above = o.lines.slice(0, o.regionStart);
  const below = o.lines.slice(o.regionStart + o.regionLines);
  const region = o.lines.slice(o.regionStart, o.regionStart + o.regionLines).join('\n');
  const r: ReplayResult = {
    keystrokes: 0,
    triggers: 0,
    pauses: 0,
    pauseLatencies: [],
    pausesWithoutGhost: 0,
    accepts: 0,
    acceptedChars: 0,
    callMs: [],
    durationMs: 0,
  };
  let pos = 0;
  let seq = 0;
  let lastTrigger = 0;
  /** The document's version: each keystroke is an edit, so older snapshots stop reading. */
  let docVersion = 0;
  let shown: { seq: number; text: string; at: number } | undefined;

  const trigger = () => {
    const mine = ++seq;
    const typed = region.slice(0, pos).split('\n');
    const docLines = above.concat(typed, below);
    const line = above.length + typed.length - 1;
    ++docVersion;
    const source = {
      lineCount: docLines.length,
      get version() {
        return docVersion;
      },
      lineAt: (i: number) => docLines[i],
    };
    lastTrigger = Date.now();
    r.triggers++;
    // Timed: what the VS Code adapter does per keystroke (a lazy snapshot of the
    // live document) and the engine's synchronous part.
    const t = performance.now();
    const doc = lazySnapshot(source, line, typed[typed.length - 1].length, { fileName: o.fileName, languageId: o.languageId });
    const pending = o.engine.complete(doc);
    r.callMs.push(performance.now() - t);
    void pending.then((out) => {
      if (mine === seq && out.suggestion?.text) shown = { seq: mine, text: out.suggestion.text, at: Date.now() };
    });
  };

  // Gaps depend only on the position in the text, so runs with other settings
  // type the same characters at the same pace (until an accept skips ahead).
  const gap = (): number => {
    const g = rng(o.seed * 100_003 + pos);
    const c = region[pos - 1];
    if (c === '\n') return 400 + g() * 900;
    if (g() < 0.04) return 500 + g() * 1200;
    return Math.min(400, Math.max(40, 110 + (g() + g() + g() - 1.5) * 70));
  };

  const began = Date.now();
  trigger();
  while (pos < region.length) {
    const wait = gap();
    await sleep(wait);
    if (wait >= pauseMs) {
      r.pauses++;
      const s = shown?.seq === seq ? shown : undefined;
      if (s) r.pauseLatencies.push(s.at - lastTrigger);
      else r.pausesWithoutGhost++;
      const rest = region.slice(pos);
      if (s && rest.startsWith(s.text) && random() < acceptP) {
        pos += s.text.length;
        r.accepts++;
        r.acceptedChars += s.text.length;
        o.engine.accepted();
        trigger();
        await sleep(150 + random() * 200);
        if (pos >= region.length) break;
      }
    }
    // Type one character; Enter brings the next line's indentation with it (auto-indent).
    const c = region[pos++];
    r.keystrokes++;
    if (c === '\n') while (region[pos] === ' ' || region[pos] === '\t') pos++;
    trigger();
  }
  await sleep(300);
  r.durationMs = Date.now() - began;
  return r;
}

/** A region of `n` lines near `around` that is mostly real code (not comments or blank lines). */
export function pickRegion(lines: readonly string[], around: number, n: number): number {
  const code = (l: string) => {
    const t = l.trim();
    return t.length > 2 && !t.startsWith('//') && !t.startsWith('*') && !t.startsWith('/*');
  };
  for (let d = 0; d < lines.length; d++) {
    for (const start of [around + d, around - d]) {
      if (start < 1 || start + n >= lines.length) continue;
      const window = lines.slice(start, start + n);
      if (window.filter(code).length >= n * 0.8 && code(lines[start])) return start;
    }
  }
  return Math.max(1, Math.min(around, lines.length - n - 1));
}
