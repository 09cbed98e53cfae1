// The bar above the messages: the conversation switcher and the New Chat,
// Export and Delete buttons.
import type { ChatState } from '../../core/chat/protocol';
import { button, h } from './dom';
import { post } from './bridge';

export class Header {
  readonly el = h('div', { class: 'header' });
  private readonly select = h('select', { class: 'conversation-select', label: 'Conversation' });
  private currentId: string | undefined;
  private key = '';

  /** `beforeLeave` runs before switching away from the current conversation (to save its draft). */
  constructor(beforeLeave: () => void) {
    const newChat = button('New Chat', 'add', () => {
      beforeLeave();
      post({ type: 'newChat' });
    });
    const exportButton = button(
      'Export to Markdown',
      'export',
      () => this.currentId && post({ type: 'exportConversation', id: this.currentId }),
    );
    const remove = button('Delete Chat', 'trash', () => this.currentId && post({ type: 'deleteConversation', id: this.currentId }));
    this.select.addEventListener('change', () => {
      beforeLeave();
      post({ type: 'switchConversation', id: this.select.value });
    });
    this.el.append(this.select, newChat, exportButton, remove);
  }

  update(state: ChatState): void {
    this.currentId = state.current?.id;
    const list = [...state.conversations];
    if (state.current && !list.some((c) => c.id === state.current?.id)) {
      list.unshift({ id: state.current.id, title: state.current.title, created: 0, updated: 0, messageCount: 0 });
    }
    const key = `${this.currentId}|${list.map((c) => `${c.id}:${c.title}`).join('|')}`;
    if (key === this.key) return; // rebuilding would close the list while it is open
    this.key = key;
    this.select.replaceChildren(
      ...list.map((c) => {
        const option = h('option', { text: c.title });
        option.value = c.id;
        return option;
      }),
    );
    if (this.currentId) this.select.value = this.currentId;
  }
}
