// The conversation as a list of MessageItems keyed by message id: a state
// update reuses every item whose message is unchanged (history is never
// re-rendered), adds new ones and drops removed ones. Clicks on code-block
// buttons and links inside rendered Markdown are handled here once, by
// delegation.
import type { ConversationView, MessageView, ToolCardView } from '../../core/chat/protocol';
import type { ChatStats } from '../../core/chat/types';
import { h, icon } from './dom';
import { onAfterFrame } from './frame';
import { post } from './bridge';
import { MessageItem } from './messageItem';
import { AutoScroll } from './scroll';

export class MessageList {
  readonly el = h('div', { class: 'messages', label: 'Messages', attrs: { role: 'log', 'aria-live': 'polite', tabindex: '0' } });
  private readonly empty = h(
    'div',
    { class: 'empty' },
    icon('comment-discussion', 'empty-icon'),
    h('p', { text: 'Ask about your code. Attach files with @, or select code and run Hearth: Ask About Selection.' }),
  );
  readonly scroll = new AutoScroll(this.el);
  private items = new Map<string, MessageItem>();
  private conversationId: string | undefined;

  constructor() {
    this.el.append(this.empty);
    this.el.addEventListener('click', (e) => this.onClick(e));
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.target as HTMLElement).classList?.contains('md-link')) this.onClick(e);
    });
    onAfterFrame(() => this.scroll.update());
  }

  update(conv: ConversationView | undefined, streamingId: string | undefined, busy: boolean): void {
    if (conv?.id !== this.conversationId) {
      this.items.clear();
      this.el.replaceChildren(this.empty);
      this.conversationId = conv?.id;
      this.scroll.toBottom();
    }
    const messages = conv?.messages ?? [];
    const next = new Map<string, MessageItem>();
    let previous: Element = this.empty;
    messages.forEach((view, index) => {
      const item = this.items.get(view.id) ?? this.newItem(view);
      next.set(view.id, item);
      item.update(view, { isLast: index === messages.length - 1, busy });
      if (view.id === streamingId) item.startStream();
      if (previous.nextElementSibling !== item.el) previous.after(item.el);
      previous = item.el;
    });
    for (const [id, item] of this.items) if (!next.has(id)) item.el.remove();
    this.items = next;
    this.empty.hidden = messages.length > 0;
    this.scroll.update();
  }

  private newItem(view: MessageView): MessageItem {
    return new MessageItem(view, {
      copy: (text) => post({ type: 'copy', text }),
      regenerate: (messageId) => post({ type: 'regenerate', messageId }),
      editResend: (messageId, text) => post({ type: 'editResend', messageId, text }),
      action: (id, messageId) => post({ type: 'action', id, messageId }),
    });
  }

  /** A reply starts: its (empty) message is added at the end when the state did not bring it yet. */
  start(id: string, view: MessageView): void {
    let item = this.items.get(id);
    if (!item) {
      item = this.newItem(view);
      item.update(view, { isLast: true, busy: true });
      this.items.set(id, item);
      this.el.append(item.el);
      this.empty.hidden = true;
    }
    item.startStream();
    this.scroll.toBottom();
  }

  tool(id: string, round: number, card: ToolCardView): void {
    this.items.get(id)?.tool(round, card);
    this.scroll.update();
  }

  delta(id: string, content?: string, reasoning?: string): void {
    this.items.get(id)?.delta(content, reasoning);
  }

  done(id: string, content: string, reasoning: string | undefined, stats: ChatStats): void {
    this.items.get(id)?.finish(content, reasoning, stats);
    this.scroll.update();
  }

  notice(id: string, text: string): void {
    this.items.get(id)?.addNote(text);
    this.scroll.update();
  }

  error(id: string, message: string, actions: { id: string; label: string }[]): void {
    this.items.get(id)?.showError(message, actions);
    this.scroll.update();
  }

  private onClick(e: Event): void {
    const target = e.target as HTMLElement;
    const link = target.closest<HTMLElement>('.md-link');
    if (link) {
      e.preventDefault();
      const url = link.dataset.href;
      if (url) post({ type: 'openLink', url });
      return;
    }
    const actionButton = target.closest<HTMLElement>('.code-action');
    const block = actionButton?.closest<HTMLElement>('.code-block');
    if (!actionButton || !block) return;
    const code = block.querySelector('code')?.textContent ?? '';
    const language = block.dataset.lang || undefined;
    switch (actionButton.dataset.action) {
      case 'copy':
        post({ type: 'copy', text: code });
        flash(actionButton);
        break;
      case 'insert':
        post({ type: 'insertCode', code, language });
        break;
      case 'newFile':
        post({ type: 'openInNewFile', code, language });
        break;
    }
  }
}

/** Briefly shows a check mark on a copy button. */
function flash(buttonEl: HTMLElement): void {
  const glyph = buttonEl.querySelector('.codicon');
  if (!glyph) return;
  glyph.classList.replace('codicon-copy', 'codicon-check');
  setTimeout(() => glyph.classList.replace('codicon-check', 'codicon-copy'), 1200);
}
