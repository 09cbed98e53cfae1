// Data of the sidebar chat shared by the host, the store and the webview
// protocol. Pure TypeScript, no `vscode` import.
import type { ModelRef } from '../servers/types';

export type ChatRole = 'user' | 'assistant';

/** What the reply cost, shown under it. Token counts are absent when unknown. */
export interface ChatStats {
  model: string;
  promptTokens?: number;
  /** Of the prompt tokens, how many the server's prompt cache already held (llama.cpp `timings.cache_n`, `cached_tokens`). */
  cachedTokens?: number;
  completionTokens?: number;
  tokensPerSecond?: number;
  /** True when the user stopped the reply before the model finished. */
  stopped: boolean;
}

/** A button offered with an error, e.g. { id: 'retry', label: 'Retry' }; ids are the host's. */
export interface ActionButton {
  id: string;
  label: string;
}

export interface MessageError {
  message: string;
  actions: ActionButton[];
  /** HearthError code when known (e.g. 'contextExceeded'). */
  code?: string;
}

export interface ChatMessage {
  id: string;
  role: ChatRole;
  /** The answer text (for a user: what they typed). Never contains reasoning. */
  content: string;
  /** The model's reasoning (`<think>` or `reasoning_content`); shown, never sent back. */
  reasoning?: string;
  stats?: ChatStats;
  error?: MessageError;
  stopped?: boolean;
  /** Lines about how the reply was made: what was left out to fit, retries, attachments skipped. */
  notes?: string[];
  /** User messages: the context attached when it was sent (with its text). */
  attachments?: Attachment[];
  /** Assistant messages: the tool calls the model made before `content`, round by round, as they were sent. */
  toolRounds?: ToolRound[];
  created: number;
}

/** One tool call of a reply and its result, as sent back to the model (and shown as a card). */
export interface ToolCallRecord {
  id: string;
  name: string;
  /** The arguments' JSON text exactly as the model sent it. */
  arguments: string;
  /** ok: ran; refused: the policy or the check said no (the model was told why); error: failed; stopped: the user pressed Stop. */
  status: 'ok' | 'refused' | 'error' | 'stopped';
  /** The result text the model was sent. */
  result: string;
  /** A short line for the card ("42 lines", "refused: secret"). */
  summary: string;
  /** How long it took, in milliseconds. */
  ms: number;
}

/** One round of a reply: what the model said with its calls, and their results. */
export interface ToolRound {
  /** Text the model wrote along with the calls (often empty). */
  content: string;
  calls: ToolCallRecord[];
}

export interface Conversation {
  id: string;
  /** From the first user message until renamed. */
  title: string;
  created: number;
  updated: number;
  model?: ModelRef;
  messages: ChatMessage[];
}

export interface ConversationSummary {
  id: string;
  title: string;
  created: number;
  updated: number;
  model?: ModelRef;
  messageCount: number;
}

/** A tool call in an assistant message as sent back to the server. */
export interface PromptToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message as sent to /v1/chat/completions. */
export type PromptMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: PromptToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string; name?: string };
/**
 * A message as it goes into a request body: Hearth's chat sends
 * PromptMessages; the provider for VS Code's chat (core/lm/messages.ts) also
 * sends tool calls, tool results and images, in each server's own format.
 */
export type WireMessage = PromptMessage | { readonly role: string; readonly [field: string]: unknown };

export type AttachmentKind = 'selection' | 'file' | 'problems' | 'workspaceFile';

export type ProblemSeverity = 'error' | 'warning' | 'info' | 'hint';

/** One diagnostic, as plain data. Lines and columns are 1-based. */
export interface Problem {
  severity: ProblemSeverity;
  line: number;
  column?: number;
  message: string;
  source?: string;
  code?: string;
}

export interface Attachment {
  id: string;
  kind: AttachmentKind;
  /** Workspace-relative path with '/' separators (the name alone for untitled files). */
  path: string;
  language?: string;
  /** Selections: the 1-based, inclusive line range. */
  lines?: { start: number; end: number };
  /** Selection or file contents. */
  text?: string;
  /** kind 'problems': the file's diagnostics. */
  problems?: Problem[];
  /** Set when `text` was cut to fit the context: the original length in characters. */
  truncatedFrom?: number;
}

/** What the webview shows for an attachment (no contents). */
export interface AttachmentChip {
  id: string;
  kind: AttachmentKind;
  label: string;
  /** Full path and range, for the tooltip. */
  detail: string;
}
