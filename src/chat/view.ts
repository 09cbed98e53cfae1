// The `hearth.chat` webview view: locked-down HTML (CSP `default-src 'none'`,
// the script by a fresh nonce, styles, fonts and images only from the
// webview's own files in dist/webview/, no `<base>`, no form submission),
// forms and command links disabled, and the message pipe. Incoming messages
// are validated; unknown ones are logged and ignored. Nothing is posted
// before the webview says `ready`.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { parseWebviewMessage, type HostToWebview } from '../core/chat/protocol';
import type { Logger } from '../core/types';
import { Emitter } from '../core/events';
import { Disposables } from '../lifecycle';
import type { ChatController } from './controller';

export const VIEW_ID = 'hearth.chat';

/** A fresh nonce per page load: 128 bits from the OS's random source. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The webview's own files (its script, styles and font): the only folder it may load from. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce = makeNonce()): string {
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot(extensionUri), file)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>Hearth Chat</title>
</head>
<body>
<div id="app" class="app"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}

export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private focusWhenReady = false;
  private readonly owned = new Disposables();
  private readonly used = new Emitter<void>();
  /** The view was shown, or the user did something in it. */
  readonly onDidUse = this.used.event;
  /** How many times a webview loaded and said `ready` (integration tests check it). */
  readyCount = 0;
  /** The HTML of the last page load (tests check its CSP). */
  lastHtml = '';
  /** The webview options of the last page load (tests check them). */
  lastOptions: vscode.WebviewOptions | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: ChatController,
    private readonly log: Logger,
  ) {
    this.owned.add(controller.onDidPost((m) => this.post(m)));
  }

  get visible(): boolean {
    return !!this.view?.visible;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    this.lastOptions = {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: [webviewRoot(this.extensionUri)],
    };
    view.webview.options = this.lastOptions;
    const page = new Disposables();
    page.addAll(
      view.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      view.onDidChangeVisibility(() => {
        // A hidden view loses its page; it says `ready` again when shown.
        if (!view.visible) this.ready = false;
        else {
          void this.controller.refresh();
          this.used.fire();
        }
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
        this.ready = false;
        page.dispose();
      }),
    );
    this.lastHtml = chatHtml(view.webview, this.extensionUri);
    view.webview.html = this.lastHtml;
  }

  /** Shows the view (and focuses the message box). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    if (this.ready) this.post({ type: 'focus' });
    else this.focusWhenReady = true;
  }

  dispose(): void {
    this.owned.dispose();
    this.used.dispose();
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      const type = typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type) : typeof raw;
      this.log.warn(`ignored an unknown or malformed message from the chat view (type ${type.slice(0, 40)})`);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      this.readyCount++;
    }
    this.used.fire();
    this.controller.handle(message).catch((err: unknown) => this.log.error(`chat: handling "${message.type}" failed`, err));
    if (message.type === 'ready' && this.focusWhenReady) {
      this.focusWhenReady = false;
      setTimeout(() => this.post({ type: 'focus' }), 0); // after the state
    }
  }

  private post(message: HostToWebview): void {
    if (!this.view || !this.ready) return;
    void this.view.webview.postMessage(message).then(undefined, () => undefined);
  }
}
