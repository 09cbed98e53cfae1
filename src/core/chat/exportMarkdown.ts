// A conversation as a Markdown document, neutralised the way the chat shows
// it: what a model wrote is text, never a live resource. Images become links
// (a prompt-injected `![](https://host/?d=secret)` would otherwise load in
// VS Code's preview or on a git host), raw HTML is escaped, and reasoning is
// a fenced block rather than `<details>`. Code blocks and inline code stay
// exactly as written. markdown-it finds the blocks, so indented code and
// fences inside lists are recognised as the preview will.
import MarkdownIt from 'markdown-it';
import { attachmentLabel, fenceFor } from './attachments';
import type { Attachment, ChatMessage, Conversation } from './types';

let md: InstanceType<typeof MarkdownIt> | undefined;

/** Lines (0-based) that belong to code blocks: kept verbatim. */
function codeLines(text: string): Set<number> {
  md ??= new MarkdownIt({ html: true });
  const lines = new Set<number>();
  for (const token of md.parse(text, {})) {
    if ((token.type === 'fence' || token.type === 'code_block') && token.map) {
      for (let i = token.map[0]; i < token.map[1]; i++) lines.add(i);
    }
  }
  return lines;
}

/** One line outside code blocks: inline code kept, `<` escaped, images turned into links. */
function neutralizeLine(line: string): string {
  let out = '';
  let at = 0;
  while (at < line.length) {
    const tick = line.indexOf('`', at);
    const plain = tick === -1 ? line.slice(at) : line.slice(at, tick);
    out += plain.replace(/</g, '&lt;').replace(/!\[/g, '[🖼 ');
    if (tick === -1) break;
    // A code span: a run of n backticks up to the next run of exactly n.
    let run = tick;
    while (line[run] === '`') run++;
    const fence = line.slice(tick, run);
    let close = line.indexOf(fence, run);
    while (close !== -1 && (line[close + fence.length] === '`' || line[close - 1] === '`')) {
      let end = close;
      while (line[end] === '`') end++;
      close = line.indexOf(fence, end);
    }
    if (close === -1) {
      out += fence;
      at = run;
    } else {
      out += line.slice(tick, close + fence.length);
      at = close + fence.length;
    }
  }
  return out;
}

/** Markdown a model (or a server) wrote, safe to open in a previewer: see the file comment. */
export function neutralizeMarkdown(text: string): string {
  const code = codeLines(text);
  return text
    .split('\n')
    .map((line, i) => (code.has(i) ? line : neutralizeLine(line)))
    .join('\n');
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
