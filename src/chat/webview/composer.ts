// The input area: attachment chips, the message box (Enter sends,
// Shift+Enter is a new line, Escape stops, `@` at the start of a word picks a
// file), the current-file and problems toggles, the model picker, and
// Send / Stop. The draft is kept in the webview's state at once and sent to
// the host (debounced) so it survives reloads.
import type { ChatState } from '../../core/chat/protocol';
import { button, h, icon } from './dom';
import { post, saveState, savedState } from './bridge';
import { modelValue, parseModelValue, SELECT_MODEL } from './modelValue';

const DRAFT_DELAY_MS = 250;

export class Composer {
  readonly el = h('div', { class: 'composer' });
  private readonly chips = h('div', { class: 'chips' });
  readonly input = h('textarea', {
    class: 'input',
    label: 'Message',
    attrs: { rows: '1', placeholder: 'Ask about your code — @ attaches a file' },
  });
  private readonly send = h('button', { class: 'primary-button send', label: 'Send', attrs: { type: 'button' } }, icon('send'));
  private readonly stop = h('button', { class: 'primary-button stop', label: 'Stop', attrs: { type: 'button' } }, icon('debug-stop'));
  private readonly fileToggle = button('Include the current file', 'file', () => this.toggle('file'), { class: 'icon-button toggle' });
  private readonly problemsToggle = button("Include the current file's problems", 'warning', () => this.toggle('problems'), {
    class: 'icon-button toggle',
  });
  private readonly model = h('select', { class: 'model-select', label: 'Model' });
  private state: ChatState | undefined;
  private conversationId: string | undefined;
  private draftTimer: ReturnType<typeof setTimeout> | undefined;
  private attachmentIds: string[] = [];
  private modelsKey = '';

  constructor() {
    const attach = button('Attach a file (@)', 'mention', () => post({ type: 'pickFile' }));
    const bar = h(
      'div',
      { class: 'composer-bar' },
      attach,
      this.fileToggle,
      this.problemsToggle,
      this.model,
      h('span', { class: 'spacer' }),
      this.send,
      this.stop,
    );
    this.el.append(this.chips, h('div', { class: 'input-wrap' }, this.input), bar);
    this.stop.hidden = true;
    this.send.addEventListener('click', () => this.submit());
    this.stop.addEventListener('click', () => post({ type: 'stop' }));
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('input', () => this.onInput());
    this.model.addEventListener('change', () => {
      const chosen = parseModelValue(this.model.value);
      if (chosen === 'select') {
        post({ type: 'action', id: 'selectModel' });
        this.model.value = this.modelsKey.split('\n')[0];
      } else if (chosen) post({ type: 'selectModel', ...chosen });
    });
  }

  update(state: ChatState): void {
    const first = !this.state;
    this.state = state;
    const id = state.current?.id;
    if (id !== this.conversationId) {
      // A different conversation (or the first state): its draft, unless this page kept a newer one.
      const saved = savedState();
      this.input.value = first && saved.conversationId === id && saved.draft ? saved.draft : state.draft;
      this.conversationId = id;
      this.remember();
      this.resize();
    }
    this.attachmentIds = state.attachments.map((c) => c.id);
    this.chips.replaceChildren(
      ...state.attachments.map((c) =>
        h(
          'span',
          { class: 'chip', title: c.detail },
          icon(c.kind === 'selection' ? 'code' : 'file'),
          h('span', { text: c.label }),
          button(`Remove ${c.label}`, 'close', () => post({ type: 'removeAttachment', id: c.id }), { class: 'chip-remove' }),
        ),
      ),
    );
    this.chips.hidden = state.attachments.length === 0;
    this.setToggle(
      this.fileToggle,
      state.includeCurrentFile,
      state.currentFile ? `Include the current file (${state.currentFile})` : 'Include the current file',
    );
    this.setToggle(this.problemsToggle, state.includeProblems, "Include the current file's problems");
    this.renderModels(state);
    this.send.hidden = state.busy;
    this.stop.hidden = !state.busy;
    this.updateSend();
  }

  focus(): void {
    this.input.focus();
  }

  /** A message that could not be sent comes back: into the box, before anything typed since. */
  restore(text: string): void {
    const typed = this.input.value;
    this.input.value = typed && typed !== text ? `${text}\n${typed}` : text;
    this.remember();
    this.resize();
    this.updateSend();
    this.input.focus();
  }

  /** Sends a draft change still waiting for its debounce (before leaving this conversation). */
  flushDraft(): void {
    if (this.draftTimer === undefined) return;
    clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    post({ type: 'draftChanged', text: this.input.value });
  }

  private submit(): void {
    const text = this.input.value;
    if (!text.trim() || this.state?.busy) return;
    post({ type: 'send', text, attachmentIds: this.attachmentIds });
    this.input.value = '';
    clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    this.remember();
    this.resize();
    this.updateSend();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === '@' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const before = this.input.value.slice(0, this.input.selectionStart ?? 0);
      if (before === '' || /\s$/.test(before)) {
        e.preventDefault();
        post({ type: 'pickFile' });
      }
    }
  }

  private onInput(): void {
    this.remember();
    this.resize();
    this.updateSend();
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => {
      this.draftTimer = undefined;
      post({ type: 'draftChanged', text: this.input.value });
    }, DRAFT_DELAY_MS);
  }

  private remember(): void {
    saveState({ conversationId: this.conversationId, draft: this.input.value });
  }

  private resize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 240)}px`;
  }

  private updateSend(): void {
    this.send.disabled = !this.input.value.trim() || !!this.state?.busy;
  }

  private toggle(which: 'file' | 'problems'): void {
    if (!this.state) return;
    if (which === 'file') post({ type: 'toggleCurrentFile', on: !this.state.includeCurrentFile });
    else post({ type: 'toggleProblems', on: !this.state.includeProblems });
  }

  private setToggle(el: HTMLButtonElement, on: boolean, label: string): void {
    el.setAttribute('aria-pressed', String(on));
    el.setAttribute('aria-label', label);
    el.title = label;
    el.classList.toggle('on', on);
  }

  private renderModels(state: ChatState): void {
    const selected = state.selectedModel ? modelValue(state.selectedModel) : '';
    // Rebuilding the options would close the list while the user has it open.
    const key = [selected, ...state.models.map((m) => `${modelValue(m)}\u0000${m.detail ?? ''}`)].join('\n');
    if (key === this.modelsKey) return;
    this.modelsKey = key;
    const options = state.models.map((m) => {
      const o = h('option', { text: m.label, title: m.detail ?? '' });
      o.value = modelValue(m);
      return o;
    });
    if (selected && !options.some((o) => o.value === selected)) {
      const o = h('option', { text: `${state.selectedModel?.model.split(/[\\/]/).pop()} (not available)` });
      o.value = selected;
      options.unshift(o);
    }
    if (!selected) {
      const o = h('option', { text: options.length ? 'Automatic (first model)' : 'No model available' });
      o.value = '';
      options.unshift(o);
    }
    const pick = h('option', { text: 'Select Model…' });
    pick.value = SELECT_MODEL;
    options.push(pick);
    this.model.replaceChildren(...options);
    this.model.value = selected;
  }
}
