// The dialogs the chat opens, behind one object so that integration tests can
// answer them (VS Code refuses modal dialogs while extension tests run).
import * as vscode from 'vscode';

export interface FilePick extends vscode.QuickPickItem {
  uri: vscode.Uri;
}

export interface ChatUi {
  /** A modal question; resolves true when the user chose `action`. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  /** Lets the user pick workspace files (several at once). */
  pickFiles(items: FilePick[]): Promise<FilePick[] | undefined>;
  /** Where to save an exported conversation; undefined when cancelled. */
  saveTarget(suggested: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** A passing message. */
  info(message: string): void;
}

export function defaultUi(): ChatUi {
  return {
    async confirm(message, detail, action) {
      const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
      return choice === action;
    },
    async pickFiles(items) {
      return vscode.window.showQuickPick(items, {
        title: 'Hearth: Attach Files to Chat',
        placeHolder: 'Type to search workspace files',
        canPickMany: true,
        matchOnDescription: true,
      });
    },
    async saveTarget(suggested) {
      return vscode.window.showSaveDialog({ defaultUri: suggested, filters: { Markdown: ['md'] }, title: 'Export Chat to Markdown' });
    },
    info(message) {
      void vscode.window.showInformationMessage(message);
    },
  };
}
