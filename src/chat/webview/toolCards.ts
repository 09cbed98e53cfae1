// The tool calls of a reply as compact cards, round by round: the tool, a
// short form of its arguments, how it went and how long it took. Each card
// is a <details> (keyboard and screen-reader friendly) that opens to the
// full arguments. Everything is text: nothing the model sent becomes HTML.
import type { ToolCardView, ToolRoundView } from '../../core/chat/protocol';
import { h, icon } from './dom';

const STATUS_ICON: Record<ToolCardView['status'], string> = {
  running: 'loading',
  ok: 'check',
  refused: 'circle-slash',
  error: 'error',
  stopped: 'debug-stop',
};

const STATUS_TEXT: Record<ToolCardView['status'], string> = {
  running: 'running',
  ok: 'done',
  refused: 'refused',
  error: 'failed',
  stopped: 'stopped',
};

/** The arguments in one short line: `path: "src/a.ts", startLine: 3`, or the raw text when it is not an object. */
export function shortArguments(text: string, max = 80): string {
  let line = text;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      line = Object.entries(value)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ');
    }
  } catch {
    // shown as it came
  }
  line = line.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function cardLabel(card: ToolCardView): string {
  const time = card.ms !== undefined ? `, ${card.ms < 1000 ? `${card.ms} ms` : `${(card.ms / 1000).toFixed(1)} s`}` : '';
  return `Tool ${card.name} (${shortArguments(card.arguments)}): ${card.summary ?? STATUS_TEXT[card.status]}${time}`;
}

function cardEl(card: ToolCardView, open: boolean): HTMLDetailsElement {
  const time = card.ms !== undefined ? (card.ms < 1000 ? `${card.ms} ms` : `${(card.ms / 1000).toFixed(1)} s`) : '';
  const summary = h(
    'summary',
    { label: cardLabel(card) },
    icon(STATUS_ICON[card.status], card.status === 'running' ? 'codicon-modifier-spin' : ''),
    h('span', { class: 'tool-name', text: card.name }),
    h('span', { class: 'tool-args', text: shortArguments(card.arguments) }),
    h('span', { class: 'tool-summary', text: card.summary ?? STATUS_TEXT[card.status] }),
    time ? h('span', { class: 'tool-time', text: time }) : null,
  );
  const details = h(
    'details',
    { class: `tool-card ${card.status}`, attrs: { 'data-call': card.id } },
    summary,
    h('pre', { class: 'tool-arguments', text: card.arguments }),
  );
  details.open = open;
  return details;
}

export class ToolCards {
  readonly el = h('div', { class: 'message-tools', attrs: { role: 'group', 'aria-label': 'Tool calls' } });
  private rounds: ToolRoundView[] = [];

  constructor() {
    this.el.hidden = true;
  }

  get roundCount(): number {
    return this.rounds.length;
  }

  /** Shows `rounds` (a saved or live reply). */
  render(rounds: readonly ToolRoundView[]): void {
    if (JSON.stringify(rounds) === JSON.stringify(this.rounds)) return;
    const open = new Set([...this.el.querySelectorAll<HTMLDetailsElement>('details[open]')].map((d) => d.dataset.call));
    this.rounds = rounds.map((r) => ({ content: r.content, calls: [...r.calls] }));
    const nodes: HTMLElement[] = [];
    for (const r of this.rounds) {
      if (r.content.trim()) nodes.push(h('div', { class: 'tool-round-text', text: r.content.trim() }));
      nodes.push(...r.calls.map((c) => cardEl(c, open.has(c.id))));
    }
    this.el.replaceChildren(...nodes);
    this.el.hidden = this.rounds.length === 0;
  }

  /** Adds or replaces one card of round `round` (1-based); a new round starts with `text` (what streamed before its calls). */
  upsert(round: number, card: ToolCardView, text: string): void {
    const rounds = this.rounds.map((r) => ({ content: r.content, calls: [...r.calls] }));
    while (rounds.length < round) rounds.push({ content: rounds.length === round - 1 ? text : '', calls: [] });
    const calls = rounds[round - 1].calls;
    const at = calls.findIndex((c) => c.id === card.id);
    if (at >= 0) calls[at] = card;
    else calls.push(card);
    this.render(rounds);
  }
}
