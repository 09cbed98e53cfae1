// Two windows writing one conversation: before a write, the version on disk
// is merged with ours against the version this window last read or wrote
// (the base), message by message. Messages another window added are kept in
// their place; a message is ours to replace only when this window changed it
// (marking another window's live reply as interrupted does not count); one
// this window deleted (regenerate, edit-and-resend) stays deleted. Pure.
import type { ChatMessage, Conversation } from './types';

/** A message without the marks `markInterrupted` adds on load (they say nothing about who wrote it). */
function essence(m: ChatMessage): string {
  const { stopped: _stopped, stats, ...rest } = m;
  const marker = stats && stats.promptTokens === undefined && stats.completionTokens === undefined && stats.stopped;
  return JSON.stringify(marker ? rest : { ...rest, stats });
}

function changed(ours: ChatMessage, base: ChatMessage | undefined): boolean {
  return !base || essence(ours) !== essence(base);
}

/**
 * The conversation to write: `ours`, with what another window wrote since
 * `base` merged in. Without a base or with nothing newer on disk it is `ours`.
 */
export function mergeConversation(base: Conversation | undefined, ours: Conversation, disk: Conversation | undefined): Conversation {
  if (!base || !disk || disk.id !== ours.id || disk.updated <= base.updated) return ours;
  const baseById = new Map(base.messages.map((m) => [m.id, m]));
  const diskById = new Map(disk.messages.map((m) => [m.id, m]));
  const oursIds = new Set(ours.messages.map((m) => m.id));
  const result: ChatMessage[] = [];
  for (const m of ours.messages) {
    const before = baseById.get(m.id);
    const theirs = diskById.get(m.id);
    if (changed(m, before)) result.push(m);
    else if (theirs) result.push(theirs); // unchanged here: the other window's version is newer
    // else: unchanged here and deleted there
  }
  // Messages the other window added, each after the message it followed there.
  let at = 0;
  for (const d of disk.messages) {
    const index = result.findIndex((m) => m.id === d.id);
    if (index !== -1) at = index + 1;
    else if (!baseById.has(d.id) && !oursIds.has(d.id)) result.splice(at++, 0, d);
  }
  const title = ours.title !== base.title ? ours.title : disk.title;
  return { ...ours, title, updated: Math.max(ours.updated, disk.updated), messages: result };
}

/**
 * The versions merges compare against, per conversation: only the most
 * recently used ones are kept (a window works in a few conversations, while
 * the list may hold thousands). A conversation without one is written as
 * this window has it, as `mergeConversation` does without a base.
 */
export class MergeBases {
  private readonly map = new Map<string, Conversation>();

  constructor(private readonly max = 32) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): Conversation | undefined {
    return this.map.get(id);
  }

  remember(conv: Conversation): void {
    this.map.delete(conv.id);
    this.map.set(conv.id, conv);
    for (const id of this.map.keys()) {
      if (this.map.size <= this.max) break;
      this.map.delete(id);
    }
  }

  delete(id: string): void {
    this.map.delete(id);
  }
}
