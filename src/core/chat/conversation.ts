// Pure operations on conversations: create, title, edit-and-resend, regenerate,
// what is sent to the model, what the webview shows, and the upgrade of older
// files (Markdown export: exportMarkdown.ts; the check on load: historyRepair.ts).
import { randomUUID } from 'node:crypto';
import type { ModelRef } from '../servers/types';
import type { BudgetTurn } from './budget';
import { toChip } from './attachments';
import type { ConversationView, MessageView, ToolRoundView } from './protocol';
import { stripThink } from './think';
import type { ChatMessage, Conversation, ConversationSummary, ToolRound } from './types';

/** A fresh id that is safe as a file name. */
export function newId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 20);
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const UNTITLED = 'New chat';

/** The first line of the first user message, collapsed and cut to 60 characters. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0].replace(/\s+/g, ' ').trim();
  if (!line) return UNTITLED;
  return line.length > 60 ? `${line.slice(0, 59).trimEnd()}…` : line;
}

export function createConversation(now: number, model?: ModelRef, id = newId()): Conversation {
  return { id, title: UNTITLED, created: now, updated: now, model, messages: [] };
}

/** Adds a message; the first user message names the conversation (unless renamed). */
export function addMessage(conv: Conversation, message: ChatMessage, now: number): Conversation {
  const title = conv.title === UNTITLED && message.role === 'user' ? titleFrom(message.content) : conv.title;
  return { ...conv, title, updated: now, messages: [...conv.messages, message] };
}

/** Replaces message `id` with `patch` applied (e.g. the streamed reply as it grows). */
export function updateMessage(conv: Conversation, id: string, patch: Partial<ChatMessage>, now: number): Conversation {
  return { ...conv, updated: now, messages: conv.messages.map((m) => (m.id === id ? { ...m, ...patch, id } : m)) };
}

/**
 * Edit-and-resend: the conversation continues from the edited user message.
 * Everything after it is dropped (no branches to navigate); the message gets
 * the new text and a new id and keeps its attachments. Undefined when
 * `messageId` is not a user message of `conv`.
 */
export function forkAt(conv: Conversation, messageId: string, text: string, now: number): Conversation | undefined {
  const index = conv.messages.findIndex((m) => m.id === messageId);
  const old = conv.messages[index];
  if (!old || old.role !== 'user') return undefined;
  const edited: ChatMessage = { ...old, id: newId(), content: text, created: now };
  const title = index === 0 && conv.title === titleFrom(old.content) ? titleFrom(text) : conv.title;
  return { ...conv, title, updated: now, messages: [...conv.messages.slice(0, index), edited] };
}

/**
 * Regenerate: drops assistant reply `messageId` and anything after it, so the
 * conversation ends with the user message it answered. Undefined when
 * `messageId` is not an assistant message.
 */
export function regenerateFrom(conv: Conversation, messageId: string, now: number): Conversation | undefined {
  const index = conv.messages.findIndex((m) => m.id === messageId);
  if (index < 0 || conv.messages[index].role !== 'assistant') return undefined;
  return { ...conv, updated: now, messages: conv.messages.slice(0, index) };
}

/** A reply that was streaming when the window closed: keep its text, marked as stopped. */
export function markInterrupted(conv: Conversation): Conversation {
  const last = conv.messages[conv.messages.length - 1];
  if (!last || last.role !== 'assistant' || last.stats || last.error || last.stopped) return conv;
  return updateMessage(conv, last.id, { stopped: true, stats: { model: conv.model?.model ?? '', stopped: true } }, conv.updated);
}

/** The turns to budget and send: answers only (never reasoning), failed empty replies left out. */
export function toTurns(messages: readonly ChatMessage[]): BudgetTurn[] {
  const turns: BudgetTurn[] = [];
  for (const m of messages) {
    if (m.role === 'user') turns.push({ role: 'user', content: m.content, attachments: m.attachments });
    else {
      const content = stripThink(m.content);
      const rounds = m.toolRounds?.filter((r) => r.calls.length);
      if (rounds?.length) turns.push({ role: 'assistant', content, toolRounds: rounds });
      else if (content.trim()) turns.push({ role: 'assistant', content });
    }
  }
  return turns;
}

export function summarize(conv: Conversation): ConversationSummary {
  const { id, title, created, updated, model } = conv;
  return { id, title, created, updated, ...(model ? { model } : {}), messageCount: conv.messages.length };
}

export function toMessageView(m: ChatMessage): MessageView {
  const view: MessageView = { id: m.id, role: m.role, content: m.content };
  if (m.reasoning) view.reasoning = m.reasoning;
  if (m.stats) view.stats = m.stats;
  if (m.error) view.error = { message: m.error.message, actions: m.error.actions };
  if (m.stopped) view.stopped = true;
  if (m.notes?.length) view.notes = [...m.notes];
  if (m.attachments?.length) view.attachments = m.attachments.map(toChip);
  if (m.toolRounds?.length) view.toolRounds = m.toolRounds.map(toRoundView);
  return view;
}

/** A saved tool round as the webview shows it: cards without the results' text. */
export function toRoundView(round: ToolRound): ToolRoundView {
  return {
    content: round.content,
    calls: round.calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, status: c.status, summary: c.summary, ms: c.ms })),
  };
}

export function toView(conv: Conversation): ConversationView {
  return { id: conv.id, title: conv.title, messages: conv.messages.map(toMessageView) };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Files written before attachments had their name kept them under `context`;
 * moves them to `attachments` so older history loads unchanged.
 */
export function upgradeConversation(x: unknown): unknown {
  if (!isObj(x) || !Array.isArray(x.messages)) return x;
  for (const m of x.messages) {
    if (isObj(m) && m.attachments === undefined && Array.isArray(m.context)) {
      m.attachments = m.context;
      delete m.context;
    }
  }
  return x;
}
