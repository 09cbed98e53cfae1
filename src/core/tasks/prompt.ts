// The parts of a structured prompt every task shares: the system message
// that states the schema, and the retry that tells the model what was wrong
// with its first answer.
import type { PromptMessage } from '../chat/types';
import type { JsonSchema } from './reply';

/** The longest piece of a rejected answer quoted back in the retry. */
const MAX_QUOTED = 2000;

/** The system message: the task's instructions, then the answer's schema. */
export function structuredSystem(instructions: string, schema: JsonSchema): PromptMessage {
  return {
    role: 'system',
    content:
      `${instructions.trim()}\n\n` +
      'Answer with one JSON object and nothing else: no Markdown fence, no text before or after it. ' +
      `The object must match this JSON schema:\n${JSON.stringify(schema)}`,
  };
}

export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The messages of the one retry: the first request, the rejected answer as
 * the assistant's turn, and a user turn stating what was wrong with it.
 */
export function retryMessages(messages: readonly PromptMessage[], rejected: string, problem: string): PromptMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: clipText(rejected, MAX_QUOTED) || '(empty)' },
    {
      role: 'user',
      content:
        `That answer cannot be used. ${problem}\n` +
        'Answer again with only one JSON object that matches the schema given at the start, with every required field filled in.',
    },
  ];
}
