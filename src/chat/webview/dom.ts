// Small DOM helpers for the chat webview (no framework).

type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  title?: string;
  /** Sets aria-label (and title, unless given). */
  label?: string;
  attrs?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.label) {
    el.setAttribute('aria-label', props.label);
    el.title = props.title ?? props.label;
  } else if (props.title) el.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const [name, listener] of Object.entries(props.on ?? {})) el.addEventListener(name, listener as EventListener);
  for (const child of children) if (child) el.append(child);
  return el;
}

/** A codicon, hidden from screen readers. */
export function icon(name: string, extra = ''): HTMLSpanElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

/** A button with an icon and an accessible name; `text` shows a label next to the icon. */
export function button(
  label: string,
  iconName: string | undefined,
  onClick: (event: MouseEvent) => void,
  options: { class?: string; text?: string } = {},
): HTMLButtonElement {
  const b = h('button', { class: options.class ?? 'icon-button', label, attrs: { type: 'button' }, on: { click: onClick } });
  if (iconName) b.append(icon(iconName));
  if (options.text) b.append(h('span', { class: 'button-text', text: options.text }));
  return b;
}

/** A tidy token count: 1234 → "1,234". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
