// Finds servers that start (or come back) after VS Code, without a command:
// the VS Code side of Rediscovery. It looks again when the window gains
// focus, when a request meets "connection refused", on Retry, and with a
// growing wait while something is missing and Hearth is in use: the window
// has focus and the chat is visible, or the user typed lately where
// completion is on. Chat and completion report those signs of use here.
import * as vscode from 'vscode';
import { isHearthError } from '../core/errors';
import type { Registry } from '../core/servers/registry';
import { Rediscovery, type RediscoveryOptions } from '../core/servers/rediscovery';
import type { Logger } from '../core/types';
import type { ModelChoice } from './modelChoice';

/** Typing counts as use for this long. */
const TYPING_MS = 60_000;

export class ServerWatch implements vscode.Disposable {
  readonly rediscovery: Rediscovery;
  private chatVisible: () => boolean = () => false;
  private typedAt = Number.NEGATIVE_INFINITY;
  private readonly focus: vscode.Disposable;
  private forceNext = false;

  constructor(
    private readonly registry: Registry,
    private readonly choice: ModelChoice,
    log: Logger,
    options: Partial<Pick<RediscoveryOptions, 'firstDelayMs' | 'maxDelayMs'>> = {},
  ) {
    this.rediscovery = new Rediscovery({
      // Retry looks for real; the others may share a run in flight or one a moment old.
      refresh: () => registry.refresh({ force: this.forceNext }).finally(() => (this.forceNext = false)),
      wanted: () => this.wanted(),
      inUse: () => this.inUse(),
      log,
      ...options,
    });
    this.focus = vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) void this.focused();
    });
  }

  /** The window gained focus (VS Code's event calls this; tests too). */
  focused(): Promise<void> {
    return this.rediscovery.lookNow('focus');
  }

  /** The user pressed Retry: look again before trying once more. */
  retry(): Promise<void> {
    this.forceNext = true;
    return this.rediscovery.lookNow('retry');
  }

  /** A request failed: when nothing answered (connection refused, unreachable), look again in the background. */
  failed(error: unknown): void {
    if (isHearthError(error, 'refused') || isHearthError(error, 'unreachable')) void this.rediscovery.lookNow('refused');
  }

  /** Typing in a document where completion is on. */
  typed(): void {
    this.typedAt = Date.now();
    this.rediscovery.activity();
  }

  /** The chat registers how to tell whether its view is visible, and calls `chatActivity` when it is shown or used. */
  watchChat(visible: () => boolean): void {
    this.chatVisible = visible;
  }

  chatActivity(): void {
    this.rediscovery.activity();
  }

  /** Something Hearth needs is missing: no server found, one down or loading, or a chosen model's server is gone. */
  wanted(): boolean {
    const statuses = this.registry.statuses();
    if (statuses.length === 0) return this.registry.detecting;
    if (statuses.some((s) => s.state === 'error' || s.state === 'loading')) return true;
    const names = new Set(statuses.map((s) => s.server.name));
    return (['chat', 'completion', 'task'] as const).some((p) => {
      const ref = this.choice.get(p);
      return !!ref && !names.has(ref.server) && this.registry.detecting;
    });
  }

  private inUse(): boolean {
    return vscode.window.state.focused && (this.chatVisible() || Date.now() - this.typedAt < TYPING_MS);
  }

  dispose(): void {
    this.focus.dispose();
    this.rediscovery.dispose();
  }
}
