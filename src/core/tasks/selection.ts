// The selection actions' pure half: each action's answer schema and prompt
// (Document, Fix, Write Tests), and fitting the model's code back into the
// file (its indentation, its line ends).
import { fenceFor } from '../chat/attachments';
import type { PromptMessage, Problem } from '../chat/types';
import { structuredSystem } from './prompt';
import type { JsonSchema } from './reply';

/** The code the user chose, with where it comes from. */
export interface CodeContext {
  /** Workspace-relative path (or the untitled file's name). */
  path: string;
  /** VS Code's language id, e.g. `typescript`. */
  language: string;
  code: string;
  /** 1-based first line of `code` in the file. */
  startLine: number;
}

export interface DocumentAnswer {
  comment: string;
}
export interface FixAnswer {
  code: string;
  explanation: string;
}
export interface TestsAnswer {
  code: string;
}

export const DOCUMENT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { comment: { type: 'string', minLength: 1, maxLength: 4000 } },
  required: ['comment'],
  additionalProperties: false,
};

export const FIX_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { code: { type: 'string', minLength: 1 }, explanation: { type: 'string', minLength: 1, maxLength: 1000 } },
  required: ['code', 'explanation'],
  additionalProperties: false,
};

export const TESTS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { code: { type: 'string', minLength: 1 } },
  required: ['code'],
  additionalProperties: false,
};

function codeBlock(c: CodeContext): string {
  const fence = fenceFor(c.code);
  const end = c.startLine + c.code.split('\n').length - 1;
  return `${c.path}, lines ${c.startLine}-${end}:\n${fence}${c.language}\n${c.code}\n${fence}`;
}

export function documentMessages(c: CodeContext): PromptMessage[] {
  const instructions =
    `You document ${c.language} code. Write the documentation comment for the code the user shows: ` +
    'what it does, its parameters and what it returns or throws, in the conventions of the language ' +
    '(e.g. @param / @returns tags for JSDoc, Args/Returns sections for Python docstrings). ' +
    'Give only the text of the comment, without comment markers (no /**, */, //, # or """): Hearth adds them.';
  return [structuredSystem(instructions, DOCUMENT_SCHEMA), { role: 'user', content: `Document this:\n\n${codeBlock(c)}` }];
}

function describeProblem(p: Problem): string {
  const source = p.source ? `${p.source}${p.code ? ` ${p.code}` : ''}: ` : '';
  return `- line ${p.line}${p.column ? `:${p.column}` : ''} ${p.severity}: ${source}${p.message}`;
}

export function fixMessages(c: CodeContext, problems: readonly Problem[]): PromptMessage[] {
  const instructions =
    `You fix ${c.language} code. Return the corrected version of the code the user shows: the same lines, ` +
    'changed only where needed to fix the problems, keeping its indentation, names and style. "code" holds ' +
    'the whole corrected code that replaces the lines shown (no Markdown fence); "explanation" says in one ' +
    'or two sentences what was wrong and what you changed.';
  const found = problems.length
    ? `Problems reported in these lines:\n${problems.map(describeProblem).join('\n')}`
    : 'No problems are reported in these lines: fix the bugs you find, or return the code unchanged if there are none.';
  return [structuredSystem(instructions, FIX_SCHEMA), { role: 'user', content: `${found}\n\n${codeBlock(c)}` }];
}

export function testsMessages(c: CodeContext): PromptMessage[] {
  const instructions =
    `You write unit tests for ${c.language} code. Write a complete test file for the code the user shows, ` +
    'with the test framework the code and its file suggest (else the most common one for the language), ' +
    'importing the code under test from its file. Cover normal cases, edge cases and errors. "code" holds the ' +
    'whole test file (no Markdown fence).';
  return [structuredSystem(instructions, TESTS_SCHEMA), { role: 'user', content: `Write tests for this:\n\n${codeBlock(c)}` }];
}

/** The leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** The indentation every non-blank line of `lines` starts with. */
function commonIndent(lines: readonly string[]): string {
  let common: string | undefined;
  for (const line of lines) {
    if (!line.trim()) continue;
    const ind = indentOf(line);
    if (common === undefined) common = ind;
    else {
      let i = 0;
      while (i < common.length && i < ind.length && common[i] === ind[i]) i++;
      common = common.slice(0, i);
    }
  }
  return common ?? '';
}

/**
 * The model's code made to fit where the original was: a Markdown fence
 * the model added anyway removed, the original's indentation restored when
 * the model dropped it, the original's line ends and final newline kept.
 */
export function fitReplacement(original: string, replacement: string): string {
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  let text = replacement.replace(/\r\n/g, '\n');
  const fenced = /^\s*(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n?\1\s*$/.exec(text);
  if (fenced) text = fenced[2];
  text = text.replace(/\s+$/, '');
  const origLines = original.replace(/\r\n/g, '\n').split('\n');
  const want = commonIndent(origLines);
  let lines = text.split('\n');
  const have = commonIndent(lines);
  if (want && !have) lines = lines.map((l) => (l.trim() ? want + l : l));
  const trailing = /\r?\n$/.test(original) ? eol : '';
  return lines.join(eol) + trailing;
}
