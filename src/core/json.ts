// JSON.parse for text a server sent. JSON.parse itself is linear, but a body
// of a few hundred thousand nested brackets costs it a long allocation spree
// (~130 ms for 1 MB on the CI machine); no server nests its JSON deeper than a
// few levels, so deeper text is refused after one cheap pass. Pure TypeScript.

/** Deeper than this is not a server's answer. */
export const MAX_JSON_DEPTH = 64;

/** True when `text` nests arrays/objects deeper than `max` (strings are skipped; one pass). */
export function tooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/** JSON.parse, refusing text nested deeper than MAX_JSON_DEPTH with a SyntaxError. */
export function parseServerJson(text: string): unknown {
  if (tooDeep(text)) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  return JSON.parse(text);
}
