// Document: the comment text the model wrote, turned into the language's own
// doc-comment form (JSDoc-style blocks, `///`, `#`, Python docstrings …) and
// placed where that language wants it: above the symbol and its decorators or
// attributes, or for Python inside it, under the `def`/`class` line.

type Style =
  { kind: 'block'; open: string; line: string; close: string } | { kind: 'line'; prefix: string; first?: string } | { kind: 'docstring' };

const BLOCK: Style = { kind: 'block', open: '/**', line: ' * ', close: ' */' };
const TRIPLE: Style = { kind: 'line', prefix: '/// ' };
const HASH: Style = { kind: 'line', prefix: '# ' };
const DASHES: Style = { kind: 'line', prefix: '-- ' };

const STYLES: Record<string, Style> = {
  python: { kind: 'docstring' },
  rust: TRIPLE,
  csharp: TRIPLE,
  fsharp: TRIPLE,
  swift: TRIPLE,
  dart: TRIPLE,
  zig: TRIPLE,
  go: { kind: 'line', prefix: '// ' },
  ruby: HASH,
  shellscript: HASH,
  perl: HASH,
  r: HASH,
  powershell: HASH,
  elixir: HASH,
  julia: HASH,
  coffeescript: HASH,
  makefile: HASH,
  dockerfile: HASH,
  yaml: HASH,
  toml: HASH,
  lua: { kind: 'line', prefix: '--- ' },
  sql: DASHES,
  elm: DASHES,
  haskell: { kind: 'line', prefix: '-- ', first: '-- | ' },
  html: { kind: 'block', open: '<!--', line: '  ', close: '-->' },
  xml: { kind: 'block', open: '<!--', line: '  ', close: '-->' },
  vue: BLOCK,
  css: { kind: 'block', open: '/*', line: ' * ', close: ' */' },
};

function styleFor(language: string): Style {
  return STYLES[language] ?? BLOCK; // C-like languages: JS/TS, Java, Kotlin, C, C++, PHP, Scala, Groovy …
}

const MARKERS = /^\s*(\/\*\*?|\*\/|\*(?!\*)|\/\/\/?|#|"""|'''|---?\s*\|?|<!--|-->)\s?/;

/** The comment's text without any comment markers the model added anyway, blank edges trimmed. */
export function cleanCommentText(text: string): string[] {
  let t = text.replace(/\r\n/g, '\n').trim();
  t = t
    .replace(/^("""|''')/, '')
    .replace(/("""|''')$/, '')
    .replace(/\s*\*\/\s*$/, '')
    .replace(/\s*-->\s*$/, '');
  const lines = t.split('\n').map((l) => l.replace(MARKERS, '').replace(/\s+$/, ''));
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  return lines;
}

/** The doc comment's lines, each starting with `indent`. */
export function formatDocComment(language: string, text: string, indent: string): string[] {
  const lines = cleanCommentText(text);
  const style = styleFor(language);
  if (style.kind === 'docstring') {
    const safe = lines.map((l) => l.replace(/"""/g, '\\"\\"\\"'));
    if (safe.length === 1) return [`${indent}"""${safe[0]}"""`];
    return [`${indent}"""${safe[0]}`, ...safe.slice(1).map((l) => (l ? indent + l : '')), `${indent}"""`];
  }
  if (style.kind === 'line') return lines.map((l, i) => `${indent}${i === 0 && style.first ? style.first : style.prefix}${l}`.trimEnd());
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  return [`${indent}${style.open}`, ...safe.map((l) => `${indent}${style.line}${l}`.trimEnd()), `${indent}${style.close}`];
}

export interface DocPlace {
  /** 0-based line the comment is inserted before. */
  line: number;
  indent: string;
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Where the doc comment for the symbol starting at `start` (0-based line)
 * goes in `lines`. `indentUnit` is one level of the editor's indentation.
 */
export function docPlace(language: string, lines: readonly string[], start: number, indentUnit: string): DocPlace {
  if (styleFor(language).kind === 'docstring') {
    let i = start;
    while (i < lines.length - 1 && lines[i].trim().startsWith('@')) i++; // decorators
    const header = indentOf(lines[i] ?? '');
    // The header ends at the first line whose code ends with ':' (a signature may span lines).
    let end = i;
    while (end < lines.length - 1 && !/:\s*(#.*)?$/.test(lines[end])) end++;
    const next = lines.slice(end + 1).find((l) => l.trim());
    const body = next !== undefined && indentOf(next).length > header.length ? indentOf(next) : header + indentUnit;
    return { line: end + 1, indent: body };
  }
  let line = start;
  // Above decorators, annotations and attributes (@Component, #[derive(…)]).
  while (line > 0 && /^\s*(@\w|#\[)/.test(lines[line - 1])) line--;
  return { line, indent: indentOf(lines[line] ?? '') };
}
