// Shared by the tests of Hearth's models in VS Code's own chat: waiting for
// VS Code to offer (or stop offering) a model of a server.
import * as vscode from 'vscode';
import { waitFor } from './helpers';

/** Waits until VS Code offers a Hearth model whose name has `server` (its server's name). */
export async function hearthModel(server: string, timeoutMs = 20_000): Promise<vscode.LanguageModelChat> {
  return waitFor(
    `a model of ${server} in VS Code`,
    async () => (await vscode.lm.selectChatModels({ vendor: 'hearth' })).find((m) => m.name.includes(server)),
    timeoutMs,
  );
}

/** Waits until VS Code offers no Hearth model of `server`. */
export async function noHearthModel(server: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `no model of ${server} in VS Code`,
    async () => !(await vscode.lm.selectChatModels({ vendor: 'hearth' })).some((m) => m.name.includes(server)),
    timeoutMs,
  );
}
