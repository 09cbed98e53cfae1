// The one message protocol between the extension host and the chat webview.
// Both directions are discriminated unions on `type`; every message that
// crosses the boundary goes through `parseHostMessage` / `parseWebviewMessage`,
// which return undefined for anything unknown or malformed (the receiver logs
// and ignores it). The webview posts `ready` first; the host answers with
// `state`, and sends `state` again whenever something other than the
// streaming reply changes.
import type { ModelRef } from '../servers/types';
import type { AttachmentChip } from './types';
import type { ActionButton, ChatStats, ConversationSummary } from './types';
import { arr, bool, lit, num, obj, opt, str, type Check } from './check';

/** A message as the webview shows it (attachments as chips, without their text). */
export interface MessageView {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  reasoning?: string;
  stats?: ChatStats;
  error?: { message: string; actions: ActionButton[] };
  stopped?: boolean;
  notes?: string[];
  attachments?: AttachmentChip[];
  /** The tool calls before the answer, round by round, as cards. */
  toolRounds?: ToolRoundView[];
}

/** A tool call as a card: the tool, its arguments, how it went and how long it took (never the result's text). */
export interface ToolCardView {
  id: string;
  name: string;
  /** The arguments' JSON text as the model sent it. */
  arguments: string;
  status: 'running' | 'ok' | 'refused' | 'error' | 'stopped';
  summary?: string;
  ms?: number;
}

export interface ToolRoundView {
  /** Text the model wrote with the calls. */
  content: string;
  calls: ToolCardView[];
}

export interface ConversationView {
  id: string;
  title: string;
  messages: MessageView[];
}

export interface ModelOption {
  server: string;
  model: string;
  label: string;
  /** e.g. "llama.cpp · 32,768 tokens". */
  detail?: string;
}

export interface ChatState {
  conversations: ConversationSummary[];
  current?: ConversationView;
  draft: string;
  models: ModelOption[];
  selectedModel?: ModelRef;
  /** Attachments for the next message. */
  attachments: AttachmentChip[];
  includeCurrentFile: boolean;
  includeProblems: boolean;
  busy: boolean;
  /** The assistant message being generated, when busy. */
  streamingId?: string;
  /** A line shown above the input, e.g. "No server is reachable". */
  notice?: string;
  /** Something went wrong that the user must know (a chat could not be saved): shown with role=alert until solved. */
  problem?: string;
  /** Name of the active editor's file, for the "current file" toggle. */
  currentFile?: string;
}

export type HostToWebview =
  | { type: 'state'; state: ChatState }
  /** A reply starts streaming into `message` (an empty assistant message, added at the end if the state does not hold it yet). */
  | { type: 'start'; messageId: string; message: MessageView }
  /** Text to append to the reply's answer and/or reasoning. */
  | { type: 'delta'; messageId: string; content?: string; reasoning?: string }
  /** The reply ended; `content`/`reasoning` are final (a late `</think>` may have moved text). */
  | { type: 'done'; messageId: string; stats: ChatStats; content: string; reasoning?: string }
  /** A tool call of the reply started (status running) or ended: add or replace its card in round `round` (1-based). */
  | { type: 'tool'; messageId: string; round: number; card: ToolCardView }
  /** A line about the reply, e.g. that it was retried with less history. */
  | { type: 'notice'; messageId: string; text: string }
  | { type: 'error'; messageId?: string; message: string; actions: ActionButton[] }
  /** Put this text back into the message box (a message that could not be saved and was not sent). */
  | { type: 'draft'; text: string }
  | { type: 'focus' };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'send'; text: string; attachmentIds: string[] }
  | { type: 'stop' }
  /** Replace the assistant reply `messageId` (and anything after it) with a new one. */
  | { type: 'regenerate'; messageId: string }
  /** Edit user message `messageId` and resend: the conversation continues from it. */
  | { type: 'editResend'; messageId: string; text: string }
  | { type: 'newChat' }
  | { type: 'switchConversation'; id: string }
  | { type: 'deleteConversation'; id: string }
  | { type: 'exportConversation'; id: string }
  | { type: 'copy'; text: string }
  | { type: 'insertCode'; code: string; language?: string }
  | { type: 'openInNewFile'; code: string; language?: string }
  | { type: 'removeAttachment'; id: string }
  | { type: 'toggleCurrentFile'; on: boolean }
  | { type: 'toggleProblems'; on: boolean }
  | { type: 'pickFile' }
  /** The user clicked a link; the host asks before opening it. */
  | { type: 'openLink'; url: string }
  | { type: 'draftChanged'; text: string }
  | { type: 'selectModel'; server: string; model: string }
  /** The user clicked an error's action button. */
  | { type: 'action'; id: string; messageId?: string };

type Checks<U extends { type: string }> = { [K in U['type']]: Check<Extract<U, { type: K }>> };

// The checks of the data both sides share; the history's loader uses them too (historyRepair.ts).
export const modelRef = obj({ server: str, model: str });
export const actionButton = obj({ id: str, label: str });
export const attachmentKind = lit('selection', 'file', 'problems', 'workspaceFile');
const chip = obj({ id: str, kind: attachmentKind, label: str, detail: str });
export const stats = obj({
  model: str,
  promptTokens: opt(num),
  cachedTokens: opt(num),
  completionTokens: opt(num),
  tokensPerSecond: opt(num),
  stopped: bool,
});
const toolCard = obj({
  id: str,
  name: str,
  arguments: str,
  status: lit('running', 'ok', 'refused', 'error', 'stopped'),
  summary: opt(str),
  ms: opt(num),
});
const toolRound = obj({ content: str, calls: arr(toolCard) });
const messageView = obj({
  id: str,
  role: lit('user', 'assistant'),
  content: str,
  reasoning: opt(str),
  stats: opt(stats),
  error: opt(obj({ message: str, actions: arr(actionButton) })),
  stopped: opt(bool),
  notes: opt(arr(str)),
  attachments: opt(arr(chip)),
  toolRounds: opt(arr(toolRound)),
});
const summary = obj({ id: str, title: str, created: num, updated: num, model: opt(modelRef), messageCount: num });
const chatState = obj({
  conversations: arr(summary),
  current: opt(obj({ id: str, title: str, messages: arr(messageView) })),
  draft: str,
  models: arr(obj({ server: str, model: str, label: str, detail: opt(str) })),
  selectedModel: opt(modelRef),
  attachments: arr(chip),
  includeCurrentFile: bool,
  includeProblems: bool,
  busy: bool,
  streamingId: opt(str),
  notice: opt(str),
  problem: opt(str),
  currentFile: opt(str),
});

const hostChecks: Checks<HostToWebview> = {
  state: obj({ type: lit('state'), state: chatState }),
  start: obj({ type: lit('start'), messageId: str, message: messageView }),
  tool: obj({ type: lit('tool'), messageId: str, round: num, card: toolCard }),
  delta: obj({ type: lit('delta'), messageId: str, content: opt(str), reasoning: opt(str) }),
  done: obj({ type: lit('done'), messageId: str, stats, content: str, reasoning: opt(str) }),
  notice: obj({ type: lit('notice'), messageId: str, text: str }),
  error: obj({ type: lit('error'), messageId: opt(str), message: str, actions: arr(actionButton) }),
  draft: obj({ type: lit('draft'), text: str }),
  focus: obj({ type: lit('focus') }),
};

const withId = <T extends string>(type: T) => obj({ type: lit(type), id: str });
const bare = <T extends string>(type: T) => obj({ type: lit(type) });

const webviewChecks: Checks<WebviewToHost> = {
  ready: bare('ready'),
  send: obj({ type: lit('send'), text: str, attachmentIds: arr(str) }),
  stop: bare('stop'),
  regenerate: obj({ type: lit('regenerate'), messageId: str }),
  editResend: obj({ type: lit('editResend'), messageId: str, text: str }),
  newChat: bare('newChat'),
  switchConversation: withId('switchConversation'),
  deleteConversation: withId('deleteConversation'),
  exportConversation: withId('exportConversation'),
  copy: obj({ type: lit('copy'), text: str }),
  insertCode: obj({ type: lit('insertCode'), code: str, language: opt(str) }),
  openInNewFile: obj({ type: lit('openInNewFile'), code: str, language: opt(str) }),
  removeAttachment: withId('removeAttachment'),
  toggleCurrentFile: obj({ type: lit('toggleCurrentFile'), on: bool }),
  toggleProblems: obj({ type: lit('toggleProblems'), on: bool }),
  pickFile: bare('pickFile'),
  openLink: obj({ type: lit('openLink'), url: str }),
  draftChanged: obj({ type: lit('draftChanged'), text: str }),
  selectModel: obj({ type: lit('selectModel'), server: str, model: str }),
  action: obj({ type: lit('action'), id: str, messageId: opt(str) }),
};

function parseWith<U extends { type: string }>(checks: Checks<U>, x: unknown): U | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const type = (x as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) return undefined;
  const check = checks[type as U['type']] as Check<U>;
  return check(x) ? x : undefined;
}

/** A message from the host as the webview receives it, or undefined when invalid. */
export function parseHostMessage(x: unknown): HostToWebview | undefined {
  return parseWith(hostChecks, x);
}

/** A message from the webview as the host receives it, or undefined when invalid. */
export function parseWebviewMessage(x: unknown): WebviewToHost | undefined {
  return parseWith(webviewChecks, x);
}

/** Every message type each side understands (for tests and logs). */
export const hostMessageTypes = Object.keys(hostChecks) as HostToWebview['type'][];
export const webviewMessageTypes = Object.keys(webviewChecks) as WebviewToHost['type'][];
