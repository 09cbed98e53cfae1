// The webview's side of the pipe to the extension host: every message in
// and out goes through the protocol's validators; unknown ones are logged
// and ignored. State that must survive the view being hidden or reloaded
// (the draft) goes through VS Code's getState/setState.
import { parseHostMessage, type HostToWebview, type WebviewToHost } from '../../core/chat/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the webview keeps across reloads of its page. */
export interface SavedState {
  conversationId?: string;
  draft: string;
}

const api: VsCodeApi = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const message = parseHostMessage(event.data);
    if (!message) {
      const type = typeof event.data === 'object' && event.data !== null ? String(event.data.type) : typeof event.data;
      console.warn(`Hearth chat: ignored an unknown or malformed message (type ${type})`);
      return;
    }
    handler(message);
  });
}

export function savedState(): SavedState {
  const s = api.getState() as Partial<SavedState> | undefined;
  return {
    conversationId: typeof s?.conversationId === 'string' ? s.conversationId : undefined,
    draft: typeof s?.draft === 'string' ? s.draft : '',
  };
}

export function saveState(state: SavedState): void {
  api.setState(state);
}
