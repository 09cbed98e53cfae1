// What the editor-level FIM benchmark types, as a plan of keystrokes: a region
// of a real source file (bench/fixtures/) is taken out of the document and
// typed back at human speed — a seeded 60–180 ms between keys, a 1.5 s pause
// at each line end and in the middle of the longest lines. The editor runs
// with `editor.autoIndent: "keep"` and no auto-closing, so Enter brings the
// previous line's indentation: the plan types the extra spaces of a deeper
// line and outdents a shallower one with Shift+Tab (never Tab, which would
// accept ghost text). The document ends up identical to the source.
import { rng } from './fim-replay';

export interface TypingOptions {
  seed: number;
  /** First line of the region (0-based) and how many lines it has. */
  start: number;
  lines: number;
  /** How many of the longest lines also get a pause in their middle. */
  midPauses: number;
  tabSize: number;
  minGapMs: number;
  maxGapMs: number;
  pauseMs: number;
}

export const DEFAULT_TYPING: Omit<TypingOptions, 'seed' | 'start'> = {
  lines: 10,
  midPauses: 6,
  tabSize: 2,
  minGapMs: 60,
  maxGapMs: 180,
  pauseMs: 1500,
};

export interface Keystroke {
  /** A character for keyboard.type, or a key for keyboard.press ('Enter', 'Shift+Tab'). */
  key: string;
  press: boolean;
  /** Wait after the previous keystroke (after the setup for the first one). */
  gapMs: number;
  /** A pause follows this keystroke. */
  pauseAfter: boolean;
}

export interface TypingPlan {
  /** The document to open: the source with the region replaced by one line of the first line's indentation. */
  document: string;
  /** The source: what the document must be once the plan is typed. */
  expected: string;
  /** Where to put the cursor before typing (0-based line, column). */
  line: number;
  column: number;
  keys: Keystroke[];
  pauses: number;
  pauseMs: number;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Where to pause in a line: after the word boundary nearest the middle of its text. */
export function midPoint(text: string): number {
  const body = text.trimStart();
  const lead = text.length - body.length;
  let best = -1;
  for (let i = 1; i < body.length - 1; i++) {
    if (!/[ .(,=]/.test(body[i - 1])) continue;
    if (best < 0 || Math.abs(i - body.length / 2) < Math.abs(best - body.length / 2)) best = i;
  }
  return lead + (best < 0 ? Math.floor(body.length / 2) : best);
}

export function typingPlan(source: string, options: TypingOptions): TypingPlan {
  const all = source.split('\n');
  const region = all.slice(options.start, options.start + options.lines);
  if (region.length !== options.lines) throw new Error(`the fixture has no ${options.lines} lines from line ${options.start + 1}`);
  for (const l of region) {
    if (!l.trim()) throw new Error('the typed region must have no blank lines (VS Code would trim their indentation)');
    if (/^\s*\t/.test(l)) throw new Error('the typed region must be indented with spaces');
  }
  const random = rng(options.seed);
  const gap = () => Math.round(options.minGapMs + random() * (options.maxGapMs - options.minGapMs));
  // The longest lines (by their text without indentation) also get a pause in the middle.
  const byLength = region.map((l, i) => ({ i, n: l.trim().length })).sort((a, b) => b.n - a.n || a.i - b.i);
  const mid = new Map(byLength.slice(0, options.midPauses).map(({ i }) => [i, midPoint(region[i])]));
  const keys: Keystroke[] = [];
  const push = (key: string, press: boolean) => {
    const previous = keys[keys.length - 1];
    keys.push({ key, press, gapMs: previous?.pauseAfter ? options.pauseMs : gap(), pauseAfter: false });
  };
  region.forEach((line, i) => {
    if (i > 0) {
      push('Enter', true);
      const kept = indentOf(region[i - 1]);
      const wanted = indentOf(line);
      if ((kept - wanted) % options.tabSize !== 0)
        throw new Error(`line ${options.start + i + 1}: outdent by ${kept - wanted} is not whole tab stops`);
      for (let k = kept; k < wanted; k++) push(' ', false);
      for (let k = kept; k > wanted; k -= options.tabSize) push('Shift+Tab', true);
    }
    for (let c = indentOf(line); c < line.length; c++) {
      push(line[c], false);
      if (c + 1 === mid.get(i) || c + 1 === line.length) keys[keys.length - 1].pauseAfter = true;
    }
  });
  const firstIndent = ' '.repeat(indentOf(region[0]));
  const document = [...all.slice(0, options.start), firstIndent, ...all.slice(options.start + options.lines)].join('\n');
  return {
    document,
    expected: source,
    line: options.start,
    column: firstIndent.length,
    keys,
    pauses: keys.filter((k) => k.pauseAfter).length,
    pauseMs: options.pauseMs,
  };
}

/** What typing `keys` into `plan.document` gives, simulating autoIndent "keep" (for tests). */
export function simulate(plan: TypingPlan, tabSize: number): string {
  const lines = plan.document.split('\n');
  let line = plan.line;
  let col = plan.column;
  for (const k of plan.keys) {
    const text = lines[line];
    if (k.key === 'Enter') {
      const indent = text.slice(0, col).match(/^ */)![0];
      lines.splice(line, 1, text.slice(0, col), indent + text.slice(col));
      line++;
      col = indent.length;
    } else if (k.key === 'Shift+Tab') {
      const remove = Math.min(tabSize, text.match(/^ */)![0].length);
      lines[line] = text.slice(remove);
      col -= remove;
    } else {
      lines[line] = text.slice(0, col) + k.key + text.slice(col);
      col++;
    }
  }
  return lines.join('\n');
}
