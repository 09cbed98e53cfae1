// The messages and questions the editor commands show, behind one object so
// that integration tests can read and answer them (VS Code's notifications
// cannot be clicked from an extension test).
import * as vscode from 'vscode';
import { showError, type ActionTarget } from '../errorUi';

export interface TasksUi {
  /** An error with its actions (Retry, Select Model, Show Log …). */
  showError(error: unknown, target: ActionTarget): Promise<void>;
  /** A question with buttons (not modal); resolves with the chosen one. */
  ask(message: string, ...choices: string[]): Promise<string | undefined>;
  /** A modal question; resolves true when the user chose `action`. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  /** A passing message. */
  info(message: string): void;
  /** Picks one item, e.g. a repository; undefined when dismissed. */
  pick<T extends vscode.QuickPickItem>(items: T[], title: string): Promise<T | undefined>;
}

export function defaultTasksUi(): TasksUi {
  return {
    showError: (error, target) => showError(error, target),
    ask: async (message, ...choices) => vscode.window.showInformationMessage(message, ...choices),
    confirm: async (message, detail, action) =>
      (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action,
    info: (message) => void vscode.window.showInformationMessage(message),
    pick: async (items, title) => vscode.window.showQuickPick(items, { title }),
  };
}
