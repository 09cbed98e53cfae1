// Data of the sidebar chat shared by the host, the store and the webview
// protocol. Pure TypeScript, no `vscode` import.
import type { ModelRef } from '../types';
import type { ContextItem } from './attachments';

export type ChatRole = 'user' | 'assistant';

/** What the reply cost, shown under it. Token counts are absent when unknown. */
export interface ChatStats {
  model: string;
  promptTokens?: number;
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
  context?: ContextItem[];
  created: number;
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

/** One message as sent to /v1/chat/completions. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
