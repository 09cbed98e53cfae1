// The one owner of the streaming reply's messages to the webview: turns the
// reply's events (start, text, reasoning, notice, tool call, tool result,
// done, error) into protocol messages, in order, and keeps what it sent as
// the live reply that a state built meanwhile shows. Text is batched: one
// post per ~16 ms, not one per token.
import { toMessageView } from '../core/chat/conversation';
import type { HostToWebview, ToolCardView } from '../core/chat/protocol';
import type { ChatMessage, ChatStats, MessageError, ToolCallRecord } from '../core/chat/types';

const POST_EVERY_MS = 16;
const SAVE_EVERY_MS = 2000;

/** The reply being generated, as far as it was sent to the view. */
export interface LiveReply {
  convId: string;
  messageId: string;
  content: string;
  reasoning: string;
  notes: string[];
  /** Tool rounds so far; a running call has no result yet. */
  rounds: { content: string; calls: ToolCardView[] }[];
}

export class ReplyPoster {
  readonly live: LiveReply;
  private pending = { content: '', reasoning: '' };
  private timer: NodeJS.Timeout | undefined;
  private lastPost = 0;
  private lastSave = Date.now();

  constructor(
    convId: string,
    private readonly message: ChatMessage,
    private readonly post: (m: HostToWebview) => void,
    /** Saves the text so far now and then while it streams. */
    private readonly checkpoint: (content: string, reasoning: string) => void,
  ) {
    this.live = { convId, messageId: message.id, content: '', reasoning: '', notes: [], rounds: [] };
  }

  /** The reply starts: the view gets the empty message itself (it need not wait for a state), then the notes so far. */
  start(notes: readonly string[]): void {
    this.post({ type: 'start', messageId: this.message.id, message: toMessageView(this.message) });
    for (const text of notes) this.notice(text);
  }

  text(content?: string, reasoning?: string): void {
    if (content) this.pending.content += content;
    if (reasoning) this.pending.reasoning += reasoning;
    // Post at most every ~16 ms: by timer, or at once when the timer is late (a busy event loop).
    if (Date.now() - this.lastPost >= POST_EVERY_MS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), POST_EVERY_MS);
  }

  notice(text: string): void {
    this.flush();
    this.live.notes.push(text);
    this.post({ type: 'notice', messageId: this.message.id, text });
  }

  /** A call is about to run in `round` (1-based). */
  toolCall(call: Pick<ToolCallRecord, 'id' | 'name' | 'arguments'>, round: number): void {
    this.card({ id: call.id, name: call.name, arguments: call.arguments, status: 'running' }, round);
  }

  toolResult(r: ToolCallRecord, round: number): void {
    this.card({ id: r.id, name: r.name, arguments: r.arguments, status: r.status, summary: r.summary, ms: r.ms }, round);
  }

  /** The final text and stats, then the error if any. */
  done(content: string, reasoning: string | undefined, stats: ChatStats, error?: MessageError): void {
    this.flush();
    this.post({ type: 'done', messageId: this.message.id, stats, content, reasoning });
    if (error) this.post({ type: 'error', messageId: this.message.id, message: error.message, actions: error.actions });
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastPost = Date.now();
    const { content, reasoning } = this.pending;
    if (!content && !reasoning) return;
    // `live` holds what the view was sent (a state built now must not repeat the next delta).
    this.live.content += content;
    this.live.reasoning += reasoning;
    this.post({ type: 'delta', messageId: this.message.id, content: content || undefined, reasoning: reasoning || undefined });
    this.pending = { content: '', reasoning: '' };
    if (Date.now() - this.lastSave > SAVE_EVERY_MS) {
      this.lastSave = Date.now();
      this.checkpoint(this.live.content, this.live.reasoning);
    }
  }

  private card(card: ToolCardView, round: number): void {
    this.flush();
    const rounds = this.live.rounds;
    while (rounds.length < round) {
      // The text streamed before a round's first call belongs to that round.
      rounds.push({ content: this.live.content, calls: [] });
      this.live.content = '';
    }
    const calls = rounds[round - 1].calls;
    const at = calls.findIndex((c) => c.id === card.id);
    if (at >= 0) calls[at] = card;
    else calls.push(card);
    this.post({ type: 'tool', messageId: this.message.id, round, card });
  }
}
