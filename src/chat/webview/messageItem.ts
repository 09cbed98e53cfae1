// One message in the list. Finished messages render their Markdown once
// (again only if their text changes). A streaming reply keeps a
// StreamingMarkdown: per animation frame it appends the blocks that became
// final and replaces only the unfinished tail; reasoning streams into a
// collapsed "Thinking" block as plain text.
import type { MessageView } from '../../core/chat/protocol';
import type { ActionButton, ChatStats } from '../../core/chat/types';
import { button, count, h, icon } from './dom';
import { flushNow, schedule, type Renderable } from './frame';
import { codeBlockHtml, renderMarkdown } from './markdown/render';
import { StreamingMarkdown, type OpenFence } from './markdown/streaming';
import { ToolCards } from './toolCards';
import type { ToolCardView } from '../../core/chat/protocol';

export interface ItemHooks {
  copy(text: string): void;
  regenerate(id: string): void;
  editResend(id: string, text: string): void;
  action(actionId: string, messageId: string): void;
}

export function statsText(s: ChatStats): string {
  const parts = [s.model.split(/[\\/]/).pop() || s.model];
  if (s.promptTokens !== undefined && s.completionTokens !== undefined) {
    parts.push(`${count(s.promptTokens)} prompt / ${count(s.completionTokens)} completion tokens`);
  } else if (s.completionTokens !== undefined) {
    parts.push(`${count(s.completionTokens)} completion tokens`);
  }
  if (s.tokensPerSecond !== undefined) parts.push(`${s.tokensPerSecond.toFixed(1)} tok/s`);
  if (s.stopped) parts.push('stopped');
  return parts.join(' · ');
}

interface Live {
  md: StreamingMarkdown;
  /** Text received (rendered or pending). */
  content: string;
  pending: string;
  pendingReasoning: string;
  /** The open code fence shown in the tail, updated piece by piece. */
  fence?: { start: number; version: number; lang: string; pieces: number; rest: HTMLElement };
}

export class MessageItem implements Renderable {
  readonly el: HTMLElement;
  private readonly actions = h('span', { class: 'message-actions' });
  private readonly chips = h('div', { class: 'message-chips' });
  private readonly notes = h('div', { class: 'message-notes' });
  private readonly thinking = h('details', { class: 'thinking' });
  private readonly thinkingLabel = h('span', { text: 'Thinking' });
  private readonly thinkingBody = h('div', { class: 'thinking-body' });
  private readonly body = h('div', { class: 'message-body markdown' });
  private readonly stable = h('div', { class: 'stable' });
  private readonly tail = h('div', { class: 'tail' });
  private readonly error = h('div', { class: 'message-error', attrs: { role: 'alert' } });
  private readonly stats = h('div', { class: 'message-stats' });
  private readonly tools = new ToolCards();
  private view: MessageView;
  private renderedContent: string | undefined;
  private renderedReasoning = '';
  private live: Live | undefined;
  private editing = false;
  private lastCtx = { isLast: false, busy: false };

  constructor(
    view: MessageView,
    private readonly hooks: ItemHooks,
  ) {
    this.view = view;
    const who = view.role === 'user' ? 'You' : 'Hearth';
    this.el = h('div', { class: `message ${view.role}`, attrs: { 'data-id': view.id } });
    const header = h('div', { class: 'message-header' }, h('span', { class: 'message-role', text: who }), this.actions);
    this.thinking.append(h('summary', {}, icon('lightbulb'), this.thinkingLabel), this.thinkingBody);
    this.thinking.hidden = true;
    this.body.append(this.stable, this.tail);
    this.el.append(header, this.chips, this.notes, this.thinking, this.tools.el, this.body, this.error, this.stats);
  }

  get id(): string {
    return this.view.id;
  }

  get streaming(): boolean {
    return !!this.live;
  }

  /** Applies the message as the host's state has it (the streaming text comes from deltas instead). */
  update(view: MessageView, ctx: { isLast: boolean; busy: boolean }): void {
    this.view = view;
    this.lastCtx = ctx;
    if (!this.live && !this.editing) this.renderContent(view.content);
    if (!this.live) this.renderReasoning(view.reasoning ?? '');
    if (!this.live || (view.toolRounds?.length ?? 0) >= this.tools.roundCount) this.tools.render(view.toolRounds ?? []);
    this.renderChips();
    this.renderNotes(view.notes ?? []);
    this.renderError(view.error);
    this.stats.textContent = view.stats ? statsText(view.stats) : '';
    this.stats.hidden = !view.stats;
    this.renderActions();
  }

  /** The reply starts streaming (or continues, after the page reloaded mid-reply, from `view.content`). */
  startStream(): void {
    if (this.live) return;
    const md = new StreamingMarkdown();
    this.stable.replaceChildren();
    this.tail.replaceChildren();
    const initial = this.view.content;
    this.live = { md, content: initial, pending: initial, pendingReasoning: '' };
    this.renderedContent = undefined;
    this.el.classList.add('streaming');
    this.el.setAttribute('aria-busy', 'true'); // screen readers read the reply once it is complete
    this.thinkingLabel.textContent = 'Thinking…';
    this.renderActions();
    if (initial) schedule(this);
  }

  delta(content?: string, reasoning?: string): void {
    if (!this.live) return;
    if (content) {
      this.live.content += content;
      this.live.pending += content;
    }
    if (reasoning) this.live.pendingReasoning += reasoning;
    schedule(this);
  }

  /** A tool card of the streaming reply; the text streamed before a new round's first call moves into that round. */
  tool(round: number, card: ToolCardView): void {
    let text = '';
    if (this.live && round > this.tools.roundCount) {
      flushNow(this);
      text = this.live.content;
      this.live = { md: new StreamingMarkdown(), content: '', pending: '', pendingReasoning: this.live.pendingReasoning };
      this.stable.replaceChildren();
      this.tail.replaceChildren();
    }
    this.tools.upsert(round, card, text);
  }

  /** Renders what arrived since the last frame. */
  render(): void {
    const live = this.live;
    if (!live) return;
    if (live.pending) {
      const update = live.md.append(live.pending);
      live.pending = '';
      if (update.stable) this.stable.insertAdjacentHTML('beforeend', update.stable);
      if (live.md.openFence) this.renderOpenFence(live, live.md.openFence);
      else {
        live.fence = undefined;
        this.tail.innerHTML = update.tail;
      }
    }
    if (live.pendingReasoning) {
      this.appendReasoning(live.pendingReasoning);
      live.pendingReasoning = '';
    }
  }

  /**
   * A long code block still streaming: append its new complete pieces and
   * replace only the last lines, instead of rebuilding the whole block.
   */
  private renderOpenFence(live: Live, fence: OpenFence): void {
    let dom = live.fence;
    if (!dom || dom.start !== fence.start || dom.version !== fence.version || dom.lang !== fence.lang || dom.pieces > fence.pieces.length) {
      this.tail.innerHTML = codeBlockHtml('', fence.lang, '');
      // Block-level pieces: a new line re-lays out only the last piece, and pieces off screen are skipped.
      const rest = h('span', { class: 'fence-rest' });
      this.tail.querySelector('code')?.append(rest);
      dom = live.fence = { start: fence.start, version: fence.version, lang: fence.lang, pieces: 0, rest };
    }
    for (; dom.pieces < fence.pieces.length; dom.pieces++)
      dom.rest.insertAdjacentHTML('beforebegin', `<span class="fence-piece">${fence.pieces[dom.pieces]}</span>`);
    dom.rest.innerHTML = fence.restHtml;
  }

  /** The reply ended: final text (which may differ from what streamed), stats. */
  finish(content: string, reasoning: string | undefined, stats: ChatStats): void {
    const live = this.live;
    if (live) {
      flushNow(this);
      this.live = undefined;
      if (content === live.content) {
        const last = live.md.finish();
        if (last.stable) this.stable.insertAdjacentHTML('beforeend', last.stable);
        this.tail.replaceChildren();
        this.renderedContent = content;
      } else {
        this.renderContent(content);
      }
    } else {
      this.renderContent(content);
    }
    this.el.classList.remove('streaming');
    this.el.removeAttribute('aria-busy');
    this.thinkingLabel.textContent = 'Thinking';
    this.view = { ...this.view, content, reasoning, stats, stopped: stats.stopped || undefined };
    if ((reasoning ?? '') !== this.renderedReasoning) this.renderReasoning(reasoning ?? '');
    this.stats.textContent = statsText(stats);
    this.stats.hidden = false;
    this.renderActions();
  }

  addNote(text: string): void {
    const notes = [...(this.view.notes ?? [])];
    if (notes.includes(text)) return;
    notes.push(text);
    this.view = { ...this.view, notes };
    this.renderNotes(notes);
  }

  showError(message: string, actions: ActionButton[]): void {
    this.view = { ...this.view, error: { message, actions } };
    this.renderError(this.view.error);
  }

  private renderContent(content: string): void {
    if (content === this.renderedContent) return;
    this.renderedContent = content;
    this.tail.replaceChildren();
    if (this.view.role === 'user') this.stable.replaceChildren(h('div', { class: 'user-text', text: content }));
    else this.stable.innerHTML = content ? renderMarkdown(content) : '';
  }

  private renderReasoning(reasoning: string): void {
    this.renderedReasoning = '';
    this.thinkingBody.replaceChildren();
    if (reasoning) this.appendReasoning(reasoning);
    this.thinking.hidden = !reasoning;
  }

  private appendReasoning(text: string): void {
    this.renderedReasoning += text;
    this.thinkingBody.append(document.createTextNode(text));
    this.thinking.hidden = false;
  }

  private renderChips(): void {
    const chips = this.view.attachments ?? [];
    this.chips.replaceChildren(
      ...chips.map((c) => h('span', { class: 'chip', title: c.detail }, icon(chipIcon(c.kind)), h('span', { text: c.label }))),
    );
    this.chips.hidden = chips.length === 0;
  }

  private renderNotes(notes: string[]): void {
    this.notes.replaceChildren(...notes.map((n) => h('div', { class: 'note' }, icon('info'), h('span', { text: n }))));
    this.notes.hidden = notes.length === 0;
  }

  private renderError(error: MessageView['error']): void {
    this.error.hidden = !error;
    if (!error) return this.error.replaceChildren();
    const buttons = error.actions.map((a) =>
      h('button', {
        class: 'secondary-button',
        text: a.label,
        attrs: { type: 'button' },
        on: { click: () => this.hooks.action(a.id, this.id) },
      }),
    );
    this.error.replaceChildren(
      h('div', { class: 'error-text' }, icon('error'), h('span', { text: error.message })),
      h('div', { class: 'error-actions' }, ...buttons),
    );
  }

  private renderActions(): void {
    const list: HTMLElement[] = [];
    list.push(button('Copy', 'copy', () => this.hooks.copy(this.live?.content ?? this.view.content)));
    if (this.view.role === 'user' && !this.lastCtx.busy) list.push(button('Edit and Resend', 'edit', () => this.edit()));
    if (this.view.role === 'assistant' && this.lastCtx.isLast && !this.lastCtx.busy && !this.live) {
      list.push(button('Regenerate', 'refresh', () => this.hooks.regenerate(this.id)));
    }
    this.actions.replaceChildren(...list);
  }

  private edit(): void {
    if (this.editing) return;
    this.editing = true;
    const box = h('textarea', { class: 'edit-box', label: 'Edit message' });
    box.value = this.view.content;
    const done = (resend: boolean) => {
      this.editing = false;
      const text = box.value;
      this.renderedContent = undefined;
      this.renderContent(this.view.content);
      if (resend && text.trim()) this.hooks.editResend(this.id, text);
    };
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        done(true);
      } else if (e.key === 'Escape') {
        e.stopPropagation();
        done(false);
      }
    });
    const bar = h(
      'div',
      { class: 'edit-bar' },
      h('button', { class: 'primary-button', text: 'Resend', attrs: { type: 'button' }, on: { click: () => done(true) } }),
      h('button', { class: 'secondary-button', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => done(false) } }),
    );
    this.stable.replaceChildren(box, bar);
    box.focus();
  }
}

function chipIcon(kind: string): string {
  return kind === 'selection' ? 'code' : kind === 'problems' ? 'warning' : 'file';
}
