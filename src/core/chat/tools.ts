// The chat's tools as the model sees them: names, descriptions and argument
// schemas, their bounds, and the pure parts of running them (paths the model
// gives, line ranges, capped results, text search). Read-only tools, plus
// propose_edit, whose change the user accepts or rejects. No tool runs a
// command. The VS Code half is src/chat/tools/. Pure TypeScript.
import { truncateText } from './attachments';
import type { JsonSchema } from '../jsonSchema';
import type { ToolSpec } from './toolCalls';

/** The bounds of what one tool call returns or looks at. */
export const TOOL_LIMITS = {
  /** One result as sent to the model (cut with a note past this). */
  resultChars: 16_000,
  /** Files larger than this are not read. */
  fileBytes: 2 * 1024 * 1024,
  /** list_dir entries shown. */
  listEntries: 300,
  /** find_files paths returned. */
  findResults: 200,
  /** search_text: files looked at, matches returned, characters of each matching line. */
  searchFiles: 5000,
  searchMatches: 100,
  lineChars: 200,
  /** get_diagnostics: problems returned. */
  problems: 200,
} as const;

const path: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'Workspace-relative path with "/" (in a multi-root workspace, starting with the folder name).',
};
const none: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

export type ToolName =
  'read_file' | 'list_dir' | 'find_files' | 'search_text' | 'get_diagnostics' | 'get_open_editors' | 'get_selection' | 'propose_edit';

export const TOOL_SPECS: readonly (ToolSpec & { name: ToolName })[] = [
  {
    name: 'read_file',
    description: `Read a text file of the workspace, optionally a range of lines (1-based, inclusive). Results over ${TOOL_LIMITS.resultChars} characters are cut: then read a line range.`,
    parameters: {
      type: 'object',
      properties: { path, startLine: { type: 'integer', minimum: 1 }, endLine: { type: 'integer', minimum: 1 } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_dir',
    description: 'List the files and folders in a workspace folder (folders end with "/"). Use "." for the workspace root.',
    parameters: { type: 'object', properties: { path }, required: ['path'], additionalProperties: false },
  },
  {
    name: 'find_files',
    description: `Find workspace files whose path matches a glob, e.g. "**/*.ts" or "src/**/test*.py" (at most ${TOOL_LIMITS.findResults}).`,
    parameters: { type: 'object', properties: { glob: { type: 'string', minLength: 1 } }, required: ['glob'], additionalProperties: false },
  },
  {
    name: 'search_text',
    description: `Search the text of workspace files for a string (or a JavaScript regular expression with regex: true); returns file:line: text for up to ${TOOL_LIMITS.searchMatches} matching lines. Optionally only in files matching a glob.`,
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1 },
        regex: { type: 'boolean' },
        caseSensitive: { type: 'boolean' },
        glob: { type: 'string', minLength: 1 },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
  {
    name: 'get_diagnostics',
    description: 'The errors and warnings VS Code shows (compiler, linter) for one file, or for the whole workspace when no path is given.',
    parameters: { type: 'object', properties: { path }, additionalProperties: false },
  },
  { name: 'get_open_editors', description: 'The files open in the editor, the active one first.', parameters: none },
  { name: 'get_selection', description: "The text selected in the user's active editor, with its file and lines.", parameters: none },
  {
    name: 'propose_edit',
    description:
      'Propose a change to one existing file: old_text (copied exactly from the file, whitespace included, occurring once) is replaced by new_text. The user sees a diff and accepts or rejects it; the result says which. Nothing is written without their acceptance.',
    parameters: {
      type: 'object',
      properties: {
        path,
        old_text: { type: 'string', minLength: 1 },
        new_text: { type: 'string' },
        explanation: { type: 'string', description: 'One sentence for the user: what the change does.' },
      },
      required: ['path', 'old_text', 'new_text'],
      additionalProperties: false,
    },
  },
];

export const TOOL_NAMES: readonly ToolName[] = TOOL_SPECS.map((t) => t.name);

/** What a tool call gave: the text for the model and a short line for the user's card. */
export interface ToolOutcome {
  /** ok: done; refused: the policy or the arguments said no (the model is told why); error: it failed. */
  status: 'ok' | 'refused' | 'error';
  content: string;
  summary: string;
}

export const refused = (content: string, summary = 'refused'): ToolOutcome => ({ status: 'refused', content, summary });

/** A path the model gave, checked before it touches the disk: relative, inside the folder, '/'-separated. */
export type ToolPath = { ok: true; folder?: string; rel: string } | { ok: false; problem: string };

/**
 * Reads a path the model gave. `folders` are the workspace folders' names;
 * with several, the path starts with one of them. Absolute paths and paths
 * that climb out ("..") are refused; "." or "" is the folder itself.
 */
export function toolPath(raw: string, folders: readonly string[]): ToolPath {
  const p = raw.trim().replace(/\\/g, '/');
  if (/^([a-zA-Z]:)?\//.test(p) || p.startsWith('~')) {
    return { ok: false, problem: `"${raw}" is not a workspace-relative path: give the path relative to the workspace root` };
  }
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!parts.length) return { ok: false, problem: `"${raw}" is outside the workspace; only workspace files can be read` };
      parts.pop();
    } else parts.push(part);
  }
  if (folders.length > 1) {
    const folder = parts[0];
    if (!folder || !folders.includes(folder)) {
      return { ok: false, problem: `"${raw}" must start with a workspace folder name (${folders.join(', ')})` };
    }
    return { ok: true, folder, rel: parts.slice(1).join('/') };
  }
  return { ok: true, folder: folders[0], rel: parts.join('/') };
}

/** The text cut to the result bound with a note the model can act on. */
export function capResult(text: string, hint = 'ask for less', max: number = TOOL_LIMITS.resultChars): string {
  if (text.length <= max) return text;
  return `${truncateText(text, max - 160)}\n[The result was cut at ${max} characters: ${hint}.]`;
}

/** Lines `start`..`end` (1-based, inclusive, clamped) of `text`, with a header the model reads. */
export function fileSlice(shown: string, text: string, start?: number, end?: number): { content: string; summary: string } {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  if (start !== undefined && start > total) {
    return { content: `${shown} has ${total} lines; line ${start} does not exist.`, summary: `${total} lines; none in range` };
  }
  const from = Math.max(1, start ?? 1);
  const to = Math.min(total, Math.max(from, end ?? total));
  const whole = from === 1 && to === total;
  const header = whole ? `${shown} (${total} lines):` : `${shown}, lines ${from}-${to} of ${total}:`;
  const body = lines.slice(from - 1, to).join('\n');
  const content = capResult(`${header}\n${body}`, `read a smaller line range (startLine, endLine)`);
  return { content, summary: whole ? `${total} lines` : `lines ${from}-${to} of ${total}` };
}

/** A matcher for search_text, or the problem with the pattern. */
export function lineMatcher(query: string, regex = false, caseSensitive = false): ((line: string) => boolean) | string {
  if (!regex) {
    const q = caseSensitive ? query : query.toLowerCase();
    return (line) => (caseSensitive ? line : line.toLowerCase()).includes(q);
  }
  try {
    const re = new RegExp(query, caseSensitive ? 'u' : 'iu');
    return (line) => re.test(line);
  } catch (err) {
    return `the regular expression is invalid (${(err as Error).message})`;
  }
}

/** The matching lines of one file as "path:line: text", at most `max`. */
export function matchLines(shown: string, text: string, match: (line: string) => boolean, max: number): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const line = lines[i];
    if (!match(line.length > 10_000 ? line.slice(0, 10_000) : line)) continue;
    const t = line.trim();
    out.push(`${shown}:${i + 1}: ${t.length > TOOL_LIMITS.lineChars ? `${t.slice(0, TOOL_LIMITS.lineChars)}…` : t}`);
  }
  return out;
}

/** How many times `needle` occurs in `text` (not overlapping), and where the first one starts. */
export function occurrences(text: string, needle: string): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    if (first < 0) first = at;
    count++;
  }
  return { count, first };
}

/** "3 entries" / "1 entry". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
