// The chat's typed settings, read through the one Config reader. Values of
// the wrong type fall back to "unset" (the server's default) and are logged.
import type { Config } from '../config';
import type { Logger } from '../core/types';
import type { SamplingParams } from '../core/chat/stream';

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful coding assistant inside VS Code. Answer concisely. Use Markdown, and fenced code blocks with a language for code.';

/** The defaults of `hearth.chat.*`, as package.json declares them (a unit test compares the two). */
export const CHAT_DEFAULTS = {
  'chat.systemPrompt': DEFAULT_SYSTEM_PROMPT,
  'chat.temperature': null,
  'chat.topP': null,
  'chat.maxTokens': 2048,
  'chat.extraBody': {},
  'chat.tools': 'auto',
  'chat.toolsDisabledFor': [],
} as const;

export interface ChatSettings {
  systemPrompt: string;
  params: SamplingParams;
  /** Extra request body fields (top_k, min_p, repeat_penalty, chat_template_kwargs …). */
  extraBody: Record<string, unknown>;
  /** 'auto': offer tools to models that take them; 'off': never. */
  tools: 'auto' | 'off';
  /** "server" or "server/model" entries that never get tools. */
  toolsDisabledFor: string[];
}

function numberIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

export function chatSettings(config: Config, log?: Logger): ChatSettings {
  const d = CHAT_DEFAULTS;
  const systemPrompt = config.read<unknown>('chat.systemPrompt', d['chat.systemPrompt']);
  const temperature = config.read<unknown>('chat.temperature', d['chat.temperature']);
  const topP = config.read<unknown>('chat.topP', d['chat.topP']);
  const maxTokens = config.read<unknown>('chat.maxTokens', d['chat.maxTokens']);
  const extraBody = config.read<unknown>('chat.extraBody', { ...d['chat.extraBody'] });
  const tools = config.read<unknown>('chat.tools', d['chat.tools']);
  const disabledFor = config.read<unknown>('chat.toolsDisabledFor', [...d['chat.toolsDisabledFor']]);
  const warn = (key: string, value: unknown) => {
    if (value !== null && value !== undefined)
      log?.warn(`settings: hearth.chat.${key} has an invalid value ${JSON.stringify(value)}; ignored`);
  };
  const t = numberIn(temperature, 0, 5);
  if (t === undefined) warn('temperature', temperature);
  const p = numberIn(topP, 0, 1);
  if (p === undefined) warn('topP', topP);
  const m = numberIn(maxTokens, 1, 1_000_000);
  if (m === undefined) warn('maxTokens', maxTokens);
  const extra =
    typeof extraBody === 'object' && extraBody !== null && !Array.isArray(extraBody) ? (extraBody as Record<string, unknown>) : {};
  if (extra !== extraBody) warn('extraBody', extraBody);
  if (tools !== 'auto' && tools !== 'off') warn('tools', tools);
  const disabled = Array.isArray(disabledFor) ? disabledFor.filter((x): x is string => typeof x === 'string') : [];
  if (!Array.isArray(disabledFor) || disabled.length !== disabledFor.length) warn('toolsDisabledFor', disabledFor);
  return {
    systemPrompt: typeof systemPrompt === 'string' ? systemPrompt : DEFAULT_SYSTEM_PROMPT,
    params: { temperature: t, top_p: p, max_tokens: m === undefined ? undefined : Math.floor(m) },
    extraBody: extra,
    tools: tools === 'off' ? 'off' : 'auto',
    toolsDisabledFor: disabled,
  };
}
