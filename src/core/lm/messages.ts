// VS Code's chat messages (text, tool calls, tool results, images) as the
// messages a server takes: OpenAI's /v1/chat/completions format, or
// Ollama's own /api/chat. The adapter turns VS Code's part classes into the
// plain parts below; this module knows nothing of VS Code. Reasoning is
// never sent back (as in Hearth's own chat).
import type { ToolSpec } from '../chat/toolCalls';

export type LmRole = 'system' | 'user' | 'assistant';

export type LmPart =
  | { kind: 'text'; text: string }
  | { kind: 'toolCall'; callId: string; name: string; input: unknown }
  | { kind: 'toolResult'; callId: string; text: string }
  | { kind: 'image'; mimeType: string; base64: string };

export interface LmMessage {
  role: LmRole;
  parts: LmPart[];
}

/** A tool as VS Code describes it (`LanguageModelChatTool`). */
export interface LmTool {
  name: string;
  description: string;
  inputSchema?: object;
}

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type OllamaMessage = {
  role: LmRole | 'tool';
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: unknown } }[];
  tool_name?: string;
};

function texts(parts: readonly LmPart[]): string {
  return parts
    .filter((p): p is Extract<LmPart, { kind: 'text' }> => p.kind === 'text')
    .map((p) => p.text)
    .join('');
}

function ofKind<K extends LmPart['kind']>(parts: readonly LmPart[], kind: K): Extract<LmPart, { kind: K }>[] {
  return parts.filter((p): p is Extract<LmPart, { kind: K }> => p.kind === kind);
}

/**
 * OpenAI messages. A message's tool results become `tool` messages first
 * (they answer the assistant's calls just before), then its text and images
 * a user message; an assistant's tool calls go with its text.
 */
export function toOpenAIMessages(messages: readonly LmMessage[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  for (const m of messages) {
    for (const r of ofKind(m.parts, 'toolResult')) out.push({ role: 'tool', tool_call_id: r.callId, content: r.text });
    const text = texts(m.parts);
    if (m.role === 'system') {
      if (text) out.push({ role: 'system', content: text });
    } else if (m.role === 'assistant') {
      const calls = ofKind(m.parts, 'toolCall').map((c): OpenAIToolCall => ({
        id: c.callId,
        type: 'function',
        function: { name: c.name, arguments: JSON.stringify(c.input ?? {}) },
      }));
      if (calls.length) out.push({ role: 'assistant', content: text || null, tool_calls: calls });
      else if (text) out.push({ role: 'assistant', content: text });
    } else {
      const images = ofKind(m.parts, 'image');
      if (images.length) {
        const content: ContentPart[] = text ? [{ type: 'text', text }] : [];
        for (const i of images) content.push({ type: 'image_url', image_url: { url: `data:${i.mimeType};base64,${i.base64}` } });
        out.push({ role: 'user', content });
      } else if (text || !m.parts.some((p) => p.kind === 'toolResult')) {
        out.push({ role: 'user', content: text });
      }
    }
  }
  return out;
}

/** Ollama's /api/chat messages: images as base64 next to the text, tool arguments as objects, results as `tool` messages. */
export function toOllamaMessages(messages: readonly LmMessage[]): OllamaMessage[] {
  const names = new Map<string, string>();
  const out: OllamaMessage[] = [];
  for (const m of messages) {
    for (const r of ofKind(m.parts, 'toolResult')) {
      const name = names.get(r.callId);
      out.push({ role: 'tool', content: r.text, ...(name ? { tool_name: name } : {}) });
    }
    const text = texts(m.parts);
    const calls = ofKind(m.parts, 'toolCall');
    for (const c of calls) names.set(c.callId, c.name);
    const images = ofKind(m.parts, 'image').map((i) => i.base64);
    if (m.role === 'assistant' && calls.length) {
      out.push({
        role: 'assistant',
        content: text,
        tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.input ?? {} } })),
      });
    } else if (text || images.length || (m.role === 'user' && !m.parts.some((p) => p.kind === 'toolResult'))) {
      out.push({ role: m.role, content: text, ...(images.length ? { images } : {}) });
    }
  }
  return out;
}

/** VS Code's tools as the specs Hearth's chat client sends and checks calls against (no schema: an empty object). */
export function lmToolSpecs(tools: readonly LmTool[] = []): ToolSpec[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: (t.inputSchema as ToolSpec['parameters'] | undefined) ?? { type: 'object', properties: {} },
  }));
}

/** The text a message would send, for an estimate of its tokens. */
export function messageText(message: LmMessage): string {
  return message.parts
    .map((p) =>
      p.kind === 'text'
        ? p.text
        : p.kind === 'toolResult'
          ? p.text
          : p.kind === 'toolCall'
            ? `${p.name}(${JSON.stringify(p.input ?? {})})`
            : '',
    )
    .join('\n');
}
