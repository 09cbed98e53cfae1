// The checkpoints of a reply while it streams: instead of rewriting the whole
// conversation every few seconds (a cost that grows with the square of the
// reply), the new text is appended to a journal next to the conversation
// file, `<conversation>.<message>.partial`, one JSON line per checkpoint. The
// final save writes the conversation and removes the journal; a window that
// loads a conversation whose last reply never finished replays its journal.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Conversation } from './types';

export interface JournalEntry {
  /** Answer text added since the previous entry. */
  c?: string;
  /** Reasoning added since the previous entry. */
  r?: string;
}

export function journalName(convId: string, messageId: string): string {
  return `${convId}.${messageId}.partial`;
}

export function isJournalName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}\.partial$/.test(name);
}

/** Appends what a reply gained since the last checkpoint; remembers how much was written per reply. */
export class ReplyJournal {
  private readonly written = new Map<string, { content: number; reasoning: number }>();

  constructor(private readonly dir: string) {}

  async append(convId: string, messageId: string, content: string, reasoning: string): Promise<void> {
    const name = journalName(convId, messageId);
    const seen = this.written.get(name) ?? { content: 0, reasoning: 0 };
    const entry: JournalEntry = {};
    if (content.length > seen.content) entry.c = content.slice(seen.content);
    if (reasoning.length > seen.reasoning) entry.r = reasoning.slice(seen.reasoning);
    if (!entry.c && !entry.r) return;
    await fs.appendFile(path.join(this.dir, name), `${JSON.stringify(entry)}\n`, 'utf8');
    this.written.set(name, { content: content.length, reasoning: reasoning.length });
  }

  async remove(convId: string, messageId: string): Promise<void> {
    const name = journalName(convId, messageId);
    this.written.delete(name);
    await fs.rm(path.join(this.dir, name), { force: true });
  }

  /**
   * `conv` with its last reply's journal replayed, when that reply never
   * finished and its journal holds more than the file; otherwise `conv`.
   */
  async replay(conv: Conversation): Promise<Conversation> {
    const last = conv.messages[conv.messages.length - 1];
    if (!last || last.role !== 'assistant' || last.stats || last.error || last.stopped) return conv;
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, journalName(conv.id, last.id)), 'utf8');
    } catch {
      return conv;
    }
    let content = '';
    let reasoning = '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (typeof entry.c === 'string') content += entry.c;
        if (typeof entry.r === 'string') reasoning += entry.r;
      } catch {
        break; // a line torn by a crash: what came before it stands
      }
    }
    if (content.length <= last.content.length && reasoning.length <= (last.reasoning ?? '').length) return conv;
    const replayed = { ...last, content, ...(reasoning ? { reasoning } : {}) };
    return { ...conv, messages: [...conv.messages.slice(0, -1), replayed] };
  }
}
