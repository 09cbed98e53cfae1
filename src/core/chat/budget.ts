// Fits a conversation into the model's context window. Keeps the system
// prompt and the newest user turn with its attachments (cutting attachments
// when they alone are too big), reserves room for the reply, then adds as
// much history as fits, newest first, in whole turns: an earlier turn is
// sent exactly as it was the last time (its attachments, its tool calls and
// results), so that a server's prompt cache (llama.cpp `cache_prompt`) can
// reuse everything before the new message. Reports what was left out so the
// UI can say so; `trimHarder` is the single retry after a server's
// context-exceeded error.
import { attachmentLabel, dedupeAttachments, formatAttachment, formatUserContent, truncateAttachment } from './attachments';
import { assistantToolCalls } from './toolCalls';
import type { Attachment, PromptMessage, ToolRound } from './types';

export interface BudgetTurn {
  role: 'user' | 'assistant';
  /** The text only: reasoning is never part of a turn. */
  content: string;
  attachments?: Attachment[];
  /** Assistant turns: the tool calls and results before `content`. */
  toolRounds?: ToolRound[];
}

export interface BudgetInput {
  system?: string;
  /** Oldest first; the last one is the user's new message. */
  turns: BudgetTurn[];
  /** The model's context window in tokens (per slot, for llama.cpp with -np). */
  contextLength: number;
  /** The reply's max_tokens, reserved out of the window (capped at half of it). */
  maxTokens?: number;
  /** A token counter; default `estimateTokens`. */
  count?: (text: string) => number;
  /** Chat-template tokens added per message (role markers). Default 8. */
  perMessage?: number;
  /** Messages after the new user message: this reply's tool rounds so far. Always sent. */
  tail?: PromptMessage[];
}

export interface Omitted {
  /** Earlier messages not sent. */
  turns: number;
  /** Labels of attachments left out, or cut ("… (truncated)"). */
  attachments: string[];
}

export interface BudgetResult {
  messages: PromptMessage[];
  omitted: Omitted;
  /** Estimated tokens of `messages`. */
  promptTokens: number;
  /** Tokens kept free for the reply. */
  replyTokens: number;
  /** False when even the system prompt and the new message's text do not fit. */
  fits: boolean;
  /** What this was built from, and the estimate's safety factor (for `trimHarder`). */
  input: BudgetInput;
  scale: number;
}

/**
 * A deliberately high token estimate: one token per 3 ASCII characters
 * (tokenizers average 3.5–4 on prose and ~3 on code) and one per other
 * UTF-16 unit (CJK, emoji, accents are expensive).
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 128) ascii++;
  return Math.ceil(ascii / 3 + (text.length - ascii));
}

/**
 * Drops empty assistant turns (failed replies) and merges neighbours of the
 * same role, so roles alternate; of two assistant turns in a row, one with
 * tool calls replaces the other.
 */
function normalize(turns: readonly BudgetTurn[]): BudgetTurn[] {
  const out: BudgetTurn[] = [];
  for (const turn of turns) {
    if (turn.role === 'assistant' && !turn.content.trim() && !turn.toolRounds?.length) continue;
    const last = out[out.length - 1];
    if (last && last.role === 'assistant' && turn.role === 'assistant' && (last.toolRounds?.length || turn.toolRounds?.length)) {
      out[out.length - 1] = turn;
    } else if (last && last.role === turn.role) {
      out[out.length - 1] = {
        role: turn.role,
        content: [last.content, turn.content].filter(Boolean).join('\n\n'),
        attachments: [...(last.attachments ?? []), ...(turn.attachments ?? [])],
      };
    } else {
      out.push(turn);
    }
  }
  return out;
}

const MIN_ITEM_TOKENS = 48;

/**
 * Fits `items` into `room` tokens: items that fit as they are stay whole;
 * the others share what is left evenly (water-filling) and are cut; an item
 * whose share is too small to be useful is dropped.
 */
function fitItems(
  items: Attachment[],
  room: number,
  count: (t: string) => number,
  omitted: Omitted,
): { items: Attachment[]; tokens: number } {
  const need = items.map((i) => count(formatAttachment(i)) + 2);
  const total = need.reduce((a, b) => a + b, 0);
  if (total <= room) return { items, tokens: total };
  const order = need.map((_, i) => i).sort((a, b) => need[a] - need[b]);
  const share = new Array<number>(items.length).fill(0);
  let left = Math.max(0, room);
  order.forEach((index, k) => {
    const fair = Math.floor(left / (order.length - k));
    share[index] = Math.min(need[index], fair);
    left -= share[index];
  });
  const kept: Attachment[] = [];
  let tokens = 0;
  items.forEach((item, i) => {
    if (share[i] >= need[i]) {
      kept.push(item);
      tokens += need[i];
      return;
    }
    if (share[i] < MIN_ITEM_TOKENS) {
      omitted.attachments.push(attachmentLabel(item));
      return;
    }
    const full = formatAttachment(item).length;
    let chars = Math.floor((full * share[i]) / need[i]);
    let cut = truncateAttachment(item, chars);
    for (let tries = 0; tries < 8 && count(formatAttachment(cut)) + 2 > share[i]; tries++) {
      chars = Math.floor(chars * 0.85);
      cut = truncateAttachment(item, chars);
    }
    kept.push(cut);
    tokens += count(formatAttachment(cut)) + 2;
    omitted.attachments.push(`${attachmentLabel(item)} (truncated)`);
  });
  return { items: kept, tokens };
}

/** The messages of one earlier turn, exactly as they were sent: a user turn with its attachments, an assistant turn with its tool rounds. */
export function turnMessages(turn: BudgetTurn): PromptMessage[] {
  if (turn.role === 'user') return [{ role: 'user', content: formatUserContent(turn.content, dedupeAttachments(turn.attachments ?? [])) }];
  const out: PromptMessage[] = [];
  for (const round of turn.toolRounds ?? []) out.push(...roundMessages(round));
  if (turn.content.trim() || !out.length) out.push({ role: 'assistant', content: turn.content });
  return out;
}

/** One tool round as messages: the assistant's calls, then each call's result. */
export function roundMessages(round: ToolRound): PromptMessage[] {
  if (!round.calls.length) return [{ role: 'assistant', content: round.content }];
  return [
    { role: 'assistant', content: round.content, tool_calls: assistantToolCalls(round.calls) },
    ...round.calls.map((c): PromptMessage => ({ role: 'tool', tool_call_id: c.id, content: c.result })),
  ];
}

/** Estimated tokens of messages (text, tool calls' names and arguments). */
export function messageTokens(messages: readonly PromptMessage[], count: (t: string) => number = estimateTokens, per = 8): number {
  let n = 0;
  for (const m of messages) {
    n += count(m.content) + per;
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) n += count(c.function.name) + count(c.function.arguments) + per;
  }
  return n;
}

function build(input: BudgetInput, scale: number): BudgetResult {
  const base = input.count ?? estimateTokens;
  const count = scale === 1 ? base : (t: string) => Math.ceil(base(t) * scale);
  const per = input.perMessage ?? 8;
  const ctx = Math.max(0, Math.floor(input.contextLength));
  const replyTokens = input.maxTokens ? Math.min(input.maxTokens, Math.floor(ctx / 2)) : Math.min(1024, Math.floor(ctx / 4));
  const available = ctx - replyTokens - Math.max(16, Math.ceil(ctx * 0.02));
  const omitted: Omitted = { turns: 0, attachments: [] };

  const turns = normalize(input.turns);
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'user') throw new Error("buildPrompt: the last turn must be the user's message");
  const system: PromptMessage[] = input.system ? [{ role: 'system', content: input.system }] : [];
  const systemTokens = input.system ? count(input.system) + per : 0;

  // The newest user turn: its text always, its attachments as far as they fit.
  const textTokens = count(last.content) + per;
  const wanted = dedupeAttachments(last.attachments ?? []);
  const room = available - systemTokens - textTokens - messageTokens(input.tail ?? [], count, per);
  const fitted = fitItems(wanted, room, count, omitted);
  const user: PromptMessage = { role: 'user', content: formatUserContent(last.content, fitted.items) };
  const tail = input.tail ?? [];
  const tailTokens = messageTokens(tail, count, per);
  let used = systemTokens + textTokens + fitted.tokens + tailTokens;
  const fits = systemTokens + textTokens + tailTokens <= available;

  // History, newest first, in whole turns, without gaps.
  const history: PromptMessage[][] = [];
  let index = turns.length - 2;
  for (; index >= 0 && fits; index--) {
    const messages = turnMessages(turns[index]);
    const tokens = messageTokens(messages, count, per);
    if (used + tokens > available) break;
    history.push(messages);
    used += tokens;
  }
  // Templates want the history to start with a user turn.
  if (history.length > 0 && history[history.length - 1][0].role === 'assistant') {
    const dropped = history.pop() as PromptMessage[];
    used -= messageTokens(dropped, count, per);
    index++;
  }
  omitted.turns = index + 1;
  history.reverse();
  return {
    messages: [...system, ...history.flat(), user, ...tail],
    omitted,
    promptTokens: used,
    replyTokens,
    fits,
    input,
    scale,
  };
}

/** The messages to send for `input`, and what was left out. */
export function buildPrompt(input: BudgetInput): BudgetResult {
  return build(input, 1);
}

/**
 * Rebuilds after the server said the prompt did not fit: against the
 * server's n_ctx when it told it, and with a larger safety factor (the exact
 * ratio when it told the real prompt size).
 */
export function trimHarder(previous: BudgetResult, nCtx?: number, nPromptTokens?: number): BudgetResult {
  const contextLength = nCtx && nCtx > 0 ? Math.min(nCtx, previous.input.contextLength) : previous.input.contextLength;
  let factor = 1.5;
  if (nPromptTokens && previous.promptTokens > 0) factor = Math.max(1.1, (nPromptTokens / previous.promptTokens) * 1.1);
  else if (nCtx && nCtx < previous.input.contextLength) factor = 1.1;
  return build({ ...previous.input, contextLength }, previous.scale * factor);
}
