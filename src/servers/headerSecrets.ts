// Hearth: Set Header Secret… / Remove Header Secret…: a header value that is
// a credential (`x-api-key`, Cloudflare Access `CF-Access-Client-Secret`, a
// cookie …) kept in secret storage instead of plaintext settings.json (which
// Settings Sync uploads). Sent like the server's `headers`, only to its
// origin; a stored value wins over one of the same name in settings.
import * as vscode from 'vscode';
import { isHeaderName } from '../core/servers/kinds';
import type { ServerConfig } from '../core/types';
import type { ApiKeys } from './apiKeys';

type PickServer = (title: string) => Promise<ServerConfig | undefined>;

export async function setHeaderSecret(keys: ApiKeys, pickServer: PickServer): Promise<void> {
  const server = await pickServer('Set Header Secret: for which server?');
  if (!server) return;
  const known = [...new Set([...Object.keys(server.headers ?? {}), ...keys.headerNames(server)].map((n) => n.toLowerCase()))];
  let header: string | undefined;
  if (known.length) {
    const other = '$(add) Another header…';
    const pick = await vscode.window.showQuickPick([...known, other], { title: `Set Header Secret for ${server.name}: which header?` });
    if (!pick) return;
    header = pick === other ? undefined : pick;
  }
  header ??= await vscode.window.showInputBox({
    title: `Set Header Secret for ${server.name}: the header's name`,
    placeHolder: 'x-api-key',
    validateInput: (v) => (isHeaderName(v.trim()) ? undefined : 'A header name: letters, digits and - (e.g. x-api-key).'),
  });
  if (!header?.trim()) return;
  const name = header.trim().toLowerCase();
  const value = await vscode.window.showInputBox({
    title: `Value of ${name} for ${server.name}`,
    prompt: `Stored in VS Code's secret storage and sent only to ${new URL(server.url).origin}.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      !v ? 'Enter the value, or press Escape.' : /[\r\n\0]/.test(v) ? 'A header value cannot hold line breaks.' : undefined,
  });
  if (!value) return;
  await keys.setHeader(server, name, value);
  const inSettings = Object.keys(server.headers ?? {}).some((n) => n.toLowerCase() === name);
  void vscode.window.showInformationMessage(
    `${name} for ${server.name} is saved in secret storage.` +
      (inSettings ? ' It replaces the value in hearth.servers; remove that one from settings.json.' : ''),
  );
}

export async function removeHeaderSecret(keys: ApiKeys, pickServer: PickServer): Promise<void> {
  const server = await pickServer('Remove Header Secret: for which server?');
  if (!server) return;
  const names = keys.headerNames(server);
  if (names.length === 0) {
    void vscode.window.showInformationMessage(`No header secret is stored for ${server.name}.`);
    return;
  }
  const name = await vscode.window.showQuickPick(names, { title: `Remove Header Secret of ${server.name}` });
  if (!name) return;
  await keys.removeHeader(server, name);
  void vscode.window.showInformationMessage(`${name} for ${server.name} removed from secret storage.`);
}
