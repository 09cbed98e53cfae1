import * as vscode from 'vscode';
import { HearthError, type ErrorAction } from './core/errors';

export const ACTION_LABELS: Readonly<Record<ErrorAction, string>> = {
  retry: 'Retry',
  openSettings: 'Open Settings',
  showLog: 'Show Log',
  selectModel: 'Select Model',
  setApiKey: 'Set API Key',
};

/** What an action may need: the server it is about (Set API Key), what Retry runs, and which model Select Model picks. */
export interface ActionTarget {
  serverName?: string;
  retry?: () => unknown;
  /** Select Model: default the chat model's picker. */
  selectModel?: () => unknown;
}

/**
 * Shows an error as a notification with its actions: a HearthError with its
 * own message and actions, anything else generically with Show Log. Retry is
 * offered only when `target.retry` is given.
 */
export async function showError(error: unknown, target: ActionTarget = {}): Promise<void> {
  const err = error instanceof HearthError ? error : undefined;
  const message = err?.message ?? `Hearth: ${error instanceof Error ? error.message : String(error)}`;
  const actions = (err?.actions ?? ['showLog']).filter((a) => a !== 'retry' || target.retry);
  const choice = await vscode.window.showErrorMessage(message, ...actions.map((a) => ACTION_LABELS[a]));
  const action = actions.find((a) => ACTION_LABELS[a] === choice);
  if (action) await runAction(action, { serverName: err?.serverName, ...target });
}

/** Runs one of an error's actions. */
export async function runAction(action: ErrorAction, target: ActionTarget = {}): Promise<void> {
  switch (action) {
    case 'retry':
      await target.retry?.();
      return;
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.servers');
      return;
    case 'showLog':
      await vscode.commands.executeCommand('hearth.showLog');
      return;
    case 'selectModel':
      await (target.selectModel ? target.selectModel() : vscode.commands.executeCommand('hearth.selectChatModel'));
      return;
    case 'setApiKey':
      await vscode.commands.executeCommand('hearth.setApiKey', target.serverName);
      return;
  }
}
