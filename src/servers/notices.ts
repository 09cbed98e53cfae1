// Two one-time notices: the walkthrough on the first run when no server is
// found, and a word when a configured server is not on this machine.
import * as vscode from 'vscode';
import type { Logger, ServerConfig } from '../core/types';
import { isLoopback } from '../core/url';
import type { GlobalState } from '../globalState';
import { openWalkthrough } from './commands';

/** The first time Hearth runs and finds no server, it opens its walkthrough (once, no popup). */
export function welcomeOnFirstRun(state: GlobalState, serverCount: number): void {
  if (state.get('welcomed')) return;
  void state.set('welcomed', true);
  if (serverCount === 0) void openWalkthrough();
}

/** Once per origin: tell the user when a server is not on this machine. */
export function warnAboutRemoteServers(state: GlobalState, servers: readonly Pick<ServerConfig, 'name' | 'url'>[], log: Logger): void {
  const shown = new Set(state.get('remoteNotices') ?? []);
  for (const server of servers) {
    if (isLoopback(server.url)) continue;
    const origin = new URL(server.url).origin;
    if (shown.has(origin)) continue;
    shown.add(origin);
    log.info(`server "${server.name}" at ${origin} is not on this machine`);
    void vscode.window.showInformationMessage(
      `Hearth: "${server.name}" (${origin}) is not on this machine. Code and chat you send to it will leave your computer.`,
    );
  }
  void state.set('remoteNotices', [...shown]);
}
