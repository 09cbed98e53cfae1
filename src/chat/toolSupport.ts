// Whether a reply offers tools: the setting (`hearth.chat.tools`, and
// `hearth.chat.toolsDisabledFor` per server or model), what the server said
// about the model (ModelInfo.tools: llama.cpp's chat template, Ollama's and
// LM Studio's capabilities), and refusals remembered for this session: a
// server that answers a request with tools by an error about tools (llama.cpp
// without --jinja, vLLM without --enable-auto-tool-choice, an Ollama model
// without tools) is asked again without them, and not offered tools again.
import type { ModelInfo, ModelRef } from '../core/servers/types';
import { HearthError } from '../core/errors';
import type { ChatSettings } from './settings';

export type ToolDecision = { offer: true } | { offer: false; why: string };

export class ToolSupport {
  private readonly refused = new Map<string, string>();

  decide(ref: ModelRef, info: ModelInfo | undefined, settings: Pick<ChatSettings, 'tools' | 'toolsDisabledFor'>): ToolDecision {
    if (settings.tools === 'off') return { offer: false, why: 'hearth.chat.tools is off' };
    const off = settings.toolsDisabledFor.map((s) => s.trim());
    if (off.includes(ref.server) || off.includes(`${ref.server}/${ref.model}`)) {
      return { offer: false, why: `hearth.chat.toolsDisabledFor lists ${ref.server}` };
    }
    if (info?.tools === false) return { offer: false, why: 'the server says the model does not take tool calls' };
    const refusal = this.refused.get(key(ref));
    if (refusal) return { offer: false, why: `the server refused tools earlier: ${refusal}` };
    return { offer: true };
  }

  /** True when `err` is the server refusing the `tools` field (then remembered for the model). */
  noteRefusal(ref: ModelRef, err: unknown): boolean {
    if (!(err instanceof HearthError) || !err.status || ![400, 404, 422, 500, 501].includes(err.status)) return false;
    if (!/tool/i.test(`${err.message} ${err.detail ?? ''}`)) return false;
    this.refused.set(key(ref), err.message.slice(0, 200));
    return true;
  }

  /** Forget the refusals (a server restarted with other flags). */
  reset(): void {
    this.refused.clear();
  }
}

function key(ref: ModelRef): string {
  return `${ref.server}\u0000${ref.model}`;
}
