// The chat webview app: header, message list, composer and a banner for
// notices. Applies the host's messages; says `ready` once it can receive them.
import type { ChatState, HostToWebview } from '../../core/chat/protocol';
import { Composer } from './composer';
import { h, icon } from './dom';
import { onHostMessage, post } from './bridge';
import { Header } from './header';
import { MessageList } from './messageList';

export class App {
  private readonly list = new MessageList();
  private readonly composer = new Composer();
  private readonly header = new Header(() => this.composer.flushDraft());
  private readonly banner = h('div', { class: 'banner', attrs: { role: 'status' } });
  /** What went wrong and is not solved (a chat that could not be saved): announced at once. */
  private readonly problem = h('div', { class: 'banner problem', attrs: { role: 'alert' } });
  private state: ChatState | undefined;

  constructor(root: HTMLElement) {
    this.banner.hidden = true;
    this.problem.hidden = true;
    const listWrap = h('div', { class: 'list-wrap' }, this.list.el, this.list.scroll.jump);
    root.append(this.header.el, listWrap, this.problem, this.banner, this.composer.el);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.state?.busy) {
        e.preventDefault();
        post({ type: 'stop' });
      }
    });
    onHostMessage((m) => this.apply(m));
    post({ type: 'ready' });
  }

  private apply(m: HostToWebview): void {
    switch (m.type) {
      case 'state':
        this.state = m.state;
        this.header.update(m.state);
        this.list.update(m.state.current, m.state.streamingId, m.state.busy);
        this.composer.update(m.state);
        this.showBanner(m.state.notice);
        this.showProblem(m.state.problem);
        document.body.classList.toggle('busy', m.state.busy);
        return;
      case 'start':
        return this.list.start(m.messageId, m.message);
      case 'tool':
        return this.list.tool(m.messageId, m.round, m.card);
      case 'delta':
        return this.list.delta(m.messageId, m.content, m.reasoning);
      case 'done':
        return this.list.done(m.messageId, m.content, m.reasoning, m.stats);
      case 'notice':
        return this.list.notice(m.messageId, m.text);
      case 'error':
        if (m.messageId) this.list.error(m.messageId, m.message, m.actions);
        else this.showProblem(m.message);
        return;
      case 'draft':
        return this.composer.restore(m.text);
      case 'focus':
        return this.composer.focus();
    }
  }

  private showProblem(text: string | undefined): void {
    if (this.problem.textContent === (text ?? '') && this.problem.hidden === !text) return;
    this.problem.hidden = !text;
    this.problem.replaceChildren(...(text ? [icon('error'), h('span', { text })] : []));
  }

  private showBanner(text: string | undefined): void {
    this.banner.hidden = !text;
    this.banner.replaceChildren(...(text ? [icon('info'), h('span', { text })] : []));
  }
}
