import * as vscode from 'vscode';
import { HearthError, type ErrorAction } from './core/errors';

const LABELS: Record<ErrorAction, string> = {
  retry: 'Retry',
  openSettings: 'Open Settings',
  showLog: 'Show Log',
  selectModel: 'Select Model',
  setApiKey: 'Set API Key',
};

/**
 * Shows a HearthError as a notification with its actions. `retry` runs the
 * given callback; the other actions run Hearth commands. Anything that is not
 * a HearthError is shown generically and logged with its stack by the caller.
 */
export async function showError(error: unknown, retry?: () => unknown): Promise<void> {
  const err = error instanceof HearthError ? error : undefined;
  const message = err?.message ?? `Hearth: ${error instanceof Error ? error.message : String(error)}`;
  const actions = (err?.actions ?? ['showLog']).filter((a) => a !== 'retry' || retry);
  const choice = await vscode.window.showErrorMessage(message, ...actions.map((a) => LABELS[a]));
  const action = actions.find((a) => LABELS[a] === choice);
  if (action) await runAction(action, err, retry);
}

export async function runAction(action: ErrorAction, err?: HearthError, retry?: () => unknown): Promise<void> {
  switch (action) {
    case 'retry':
      await retry?.();
      return;
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.servers');
      return;
    case 'showLog':
      await vscode.commands.executeCommand('hearth.showLog');
      return;
    case 'selectModel':
      await vscode.commands.executeCommand('hearth.selectChatModel');
      return;
    case 'setApiKey':
      await vscode.commands.executeCommand('hearth.setApiKey', err?.serverName);
      return;
  }
}

export { LABELS as ACTION_LABELS };
