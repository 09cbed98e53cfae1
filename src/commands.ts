// One way to register commands: a feature gives a table of command ids and
// handlers; each handler's failure is logged and shown with showError (a
// HearthError with its own actions), never swallowed, never a raw stack.
import * as vscode from 'vscode';
import type { Disposables } from './lifecycle';
import type { Logger } from './core/types';
import { showError } from './errorUi';

// Command arguments come from VS Code untyped; each handler declares what it accepts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandTable = Record<string, (...args: any[]) => unknown>;

export function registerCommands(owner: Disposables, log: Logger, table: CommandTable): void {
  for (const [id, handler] of Object.entries(table)) {
    owner.add(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          log.error(`command ${id} failed`, err);
          void showError(err);
          return undefined;
        }
      }),
    );
  }
}
