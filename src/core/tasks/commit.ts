// Generate Commit Message, the pure half: the answer's schema, the prompt
// (the fitted diff, the repository's recent subjects as examples of its
// style) and the message written from the answer.
import type { PromptMessage } from '../chat/types';
import { estimateTokens } from '../chat/budget';
import type { FittedDiff } from './diff';
import { structuredSystem } from './prompt';
import type { JsonSchema } from './reply';

export interface CommitAnswer {
  subject: string;
  body: string;
}

export const COMMIT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 120, description: 'One line, imperative mood, no trailing period' },
    body: { type: 'string', maxLength: 3000, description: 'Why and what changed, wrapped at 72 columns; empty for a small change' },
  },
  required: ['subject', 'body'],
  additionalProperties: false,
};

/** Tokens kept for the answer. */
export const COMMIT_MAX_TOKENS = 600;

const INSTRUCTIONS =
  'You write git commit messages. Read the diff and write a message for it: a subject line (imperative mood, ' +
  'at most 72 characters, no trailing period) that says what the change does, and a body that says why and ' +
  'what changed, wrapped at 72 columns (an empty body for a small, obvious change). Describe only what the diff ' +
  'shows. Follow the style of the repository\'s recent subjects when they are given (prefixes such as "feat:" ' +
  'or "component:", capitalisation, tense).';

/** Up to `max` recent subjects worth imitating: no merges, reverts or fixups, no repeats. */
export function styleExamples(messages: readonly string[], max = 10): string[] {
  const out: string[] = [];
  for (const message of messages) {
    const subject = message.split('\n')[0].trim();
    if (!subject || /^(Merge\b|Revert\b|fixup!|squash!|amend!)/.test(subject) || out.includes(subject)) continue;
    out.push(subject.length > 200 ? `${subject.slice(0, 200)}…` : subject);
    if (out.length >= max) break;
  }
  return out;
}

export interface CommitPromptInput {
  diff: FittedDiff;
  /** 'staged' or the working tree (offered when nothing is staged). */
  source: 'staged' | 'working tree';
  examples: readonly string[];
  /** New files git does not track yet (named: their content is not in the diff). */
  untracked?: readonly string[];
}

/** The system message and the fixed part of the user message, without the diff: what the diff's budget must leave room for. */
export function commitPromptOverhead(examples: readonly string[]): number {
  return estimateTokens(structuredSystem(INSTRUCTIONS, COMMIT_SCHEMA).content + examples.join('\n')) + 120;
}

export function commitMessages(input: CommitPromptInput): PromptMessage[] {
  const parts: string[] = [];
  if (input.examples.length) parts.push(`Recent commit subjects in this repository:\n${input.examples.map((s) => `- ${s}`).join('\n')}`);
  const notes: string[] = [];
  if (input.diff.shortened.length || input.diff.listed.length)
    notes.push('The diff was too long to show whole: some files are shortened or only listed.');
  if (input.untracked?.length) notes.push(`New files not yet tracked by git (content not shown): ${input.untracked.join(', ')}`);
  const what = input.source === 'staged' ? 'The staged changes' : 'The changes in the working tree (nothing is staged)';
  parts.push(`${what}:\n\`\`\`diff\n${input.diff.text}\n\`\`\``);
  if (notes.length) parts.push(notes.join('\n'));
  parts.push('Write the commit message as JSON: {"subject": "...", "body": "..."}.');
  return [structuredSystem(INSTRUCTIONS, COMMIT_SCHEMA), { role: 'user', content: parts.join('\n\n') }];
}

/** The text for the commit message box: the subject on one line, a blank line, the body. */
export function commitText(answer: CommitAnswer): string {
  const subject = answer.subject.replace(/\s+/g, ' ').trim();
  const body = answer.body.replace(/\r\n/g, '\n').trim();
  return body ? `${subject}\n\n${body}` : subject;
}
