// How two cursor positions relate, and when a streaming answer is worth
// showing. Pure functions over the engine's prepared positions.
import type { Prepared } from './flight';

/** The most characters typed since a request's position for its answer to still apply. */
export const MAX_TYPED = 512;
const TAIL = 1024;

function tail(text: string): string {
  return text.length > TAIL ? text.slice(text.length - TAIL) : text;
}

/**
 * What the user typed between position `from` and position `to`, when `to`
 * is `from` plus typing at the cursor (the text after the cursor unchanged);
 * undefined when `to` is elsewhere (a deletion, another line, another file).
 * '' for the same position. The prefix window may have moved between the
 * two, so the comparison looks at the text next to the cursor.
 */
export function typedSince(from: Prepared, to: Prepared): string | undefined {
  if (from.doc.fileName !== to.doc.fileName || from.after !== to.after) return undefined;
  const a = from.prefix;
  const b = to.prefix;
  if (b.startsWith(a)) return b.length - a.length <= MAX_TYPED ? b.slice(a.length) : undefined;
  const want = tail(a);
  for (let k = 0; k <= Math.min(MAX_TYPED, b.length); k++) {
    if (tail(b.slice(0, b.length - k)) === want) return b.slice(b.length - k);
  }
  return undefined;
}

/** Whether a streamed answer still agrees with what was typed since its position. */
export function agrees(text: string, typed: string): boolean {
  return text.length >= typed.length ? text.startsWith(typed) : typed.startsWith(text);
}

/**
 * The part of a streaming answer worth showing now: its complete lines (a
 * line counts once its line break arrived and it holds more than whitespace),
 * or, when `partial` is set (the answer has taken long enough), everything up
 * to the last space. Undefined when nothing is ready.
 */
export function showable(rest: string, partial: boolean): string | undefined {
  const cut = rest.lastIndexOf('\n');
  if (cut > 0 && rest.slice(0, cut).trim()) return rest.slice(0, cut);
  if (!partial || !rest.trim()) return undefined;
  const space = rest.search(/\s\S*$/);
  const words = space > 0 ? rest.slice(0, space) : '';
  return words.trim() ? words : undefined;
}

/** True once `text` holds more complete lines than can be shown: reading on is wasted. */
export function moreThanLines(text: string, maxLines: number): boolean {
  let lines = 0;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (content || lines > 0) lines++;
      if (lines > maxLines) return true;
    } else if (c !== 32 && c !== 9 && c !== 13) content = true;
  }
  return false;
}
