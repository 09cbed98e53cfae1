import * as vscode from 'vscode';
import type { Logger } from './core/types';
import { redact } from './core/redact';

/**
 * The extension's one log, over a LogOutputChannel named "Hearth" (the user
 * picks the level in the Output view). Every line passes through `redact`, so
 * keys and Authorization headers never reach it.
 */
export class Log implements Logger {
  private constructor(
    readonly channel: vscode.LogOutputChannel,
    private readonly prefix: string,
  ) {}

  static create(): Log {
    return new Log(vscode.window.createOutputChannel('Hearth', { log: true }), '');
  }

  /** A logger for one component that shares the channel: lines read `[chat] …`. */
  child(component: string): Log {
    return new Log(this.channel, `${this.prefix}[${component}] `);
  }

  trace(message: string): void {
    this.channel.trace(this.format(message));
  }
  debug(message: string): void {
    this.channel.debug(this.format(message));
  }
  info(message: string): void {
    this.channel.info(this.format(message));
  }
  warn(message: string): void {
    this.channel.warn(this.format(message));
  }
  error(message: string | Error, ...rest: unknown[]): void {
    const text = message instanceof Error ? `${message.message}\n${message.stack ?? ''}` : message;
    const extra = rest.map((r) => (r instanceof Error ? `${r.message}\n${r.stack ?? ''}` : String(r)));
    this.channel.error(this.format([text, ...extra].join(' ')));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }

  private format(message: string): string {
    return redact(this.prefix + message);
  }
}
