// VS Code's message parts as the plain parts of core/lm/messages.ts. Text,
// tool calls, tool results and images are kept; reasoning (a thinking part)
// and parts Hearth cannot send (prompt-tsx, cache hints) are left out.
import { Buffer } from 'node:buffer';
import * as vscode from 'vscode';
import type { LmMessage, LmPart, LmRole } from '../core/lm/messages';
import { asDataPart, type LmRequestMessage } from './api';

const ROLES: Record<number, LmRole> = { 1: 'user', 2: 'assistant', 3: 'system' };

/** The text of a tool result's content: its text parts, and text or JSON data parts. */
function resultText(content: readonly unknown[]): string {
  const out: string[] = [];
  for (const part of content) {
    if (part instanceof vscode.LanguageModelTextPart) out.push(part.value);
    else if (part instanceof vscode.LanguageModelPromptTsxPart) out.push(JSON.stringify(part.value));
    else {
      const data = asDataPart(part);
      if (data && /^(text\/|application\/json)/.test(data.mimeType)) out.push(Buffer.from(data.data).toString('utf8'));
    }
  }
  return out.join('\n');
}

function toPart(part: unknown): LmPart | undefined {
  if (part instanceof vscode.LanguageModelTextPart) return { kind: 'text', text: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart)
    return { kind: 'toolCall', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart)
    return { kind: 'toolResult', callId: part.callId, text: resultText(part.content) };
  const data = asDataPart(part);
  if (data?.mimeType.startsWith('image/'))
    return { kind: 'image', mimeType: data.mimeType, base64: Buffer.from(data.data).toString('base64') };
  if (data && /^(text\/|application\/json)/.test(data.mimeType)) return { kind: 'text', text: Buffer.from(data.data).toString('utf8') };
  return undefined;
}

/** The messages as plain data; `dropped` counts the parts left out (for the log). */
export function toLmMessages(messages: readonly LmRequestMessage[]): { messages: LmMessage[]; dropped: number } {
  let dropped = 0;
  const out = messages.map((m): LmMessage => {
    const parts: LmPart[] = [];
    for (const part of m.content) {
      const p = toPart(part);
      if (p) parts.push(p);
      else dropped++;
    }
    return { role: ROLES[m.role] ?? 'user', parts };
  });
  return { messages: out, dropped };
}
