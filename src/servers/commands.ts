// The server commands: refresh, add a server, set or remove its API key,
// and the model pickers. Registered through the one command table.
import * as vscode from 'vscode';
import type { Registry } from '../core/servers/registry';
import type { ServerConfig, ServerKind } from '../core/types';
import { describeProbedPorts, KINDS, serverNameProblem, validateServers } from '../core/servers/kinds';
import type { ServerStatus } from '../core/servers/types';
import { kindLabel } from '../core/types';
import type { CommandTable } from '../commands';
import type { Config } from '../config';
import { showError } from '../errorUi';
import type { ApiKeys } from './apiKeys';
import type { ModelPicker } from './modelPicker';
import type { ServerWatch } from './watch';
import { removeHeaderSecret, setHeaderSecret } from './headerSecrets';

/**
 * A server named by a command's argument: a name (palette, error actions) or
 * the Servers view's tree node (its inline buttons pass the node).
 */
export function serverNameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg || undefined;
  const status = (arg as { status?: ServerStatus } | undefined)?.status;
  return typeof status?.server?.name === 'string' ? status.server.name : undefined;
}

export function serverCommands(registry: Registry, config: Config, keys: ApiKeys, picker: ModelPicker, watch: ServerWatch): CommandTable {
  return {
    'hearth.selectChatModel': () => picker.pick('chat'),
    'hearth.selectCompletionModel': () => picker.pick('completion'),
    'hearth.selectTaskModel': () => picker.pick('task'),
    'hearth.refreshServers': () => refreshAndReport(registry, watch),
    'hearth.addServer': () => addServer(config, keys),
    'hearth.setApiKey': (arg?: unknown) => setApiKey(registry, keys, serverNameOf(arg)),
    'hearth.removeApiKey': (arg?: unknown) => removeApiKey(registry, keys, serverNameOf(arg)),
    'hearth.setHeaderSecret': (arg?: unknown) => setHeaderSecret(keys, (title) => pickServer(registry, serverNameOf(arg), title)),
    'hearth.removeHeaderSecret': (arg?: unknown) => removeHeaderSecret(keys, (title) => pickServer(registry, serverNameOf(arg), title)),
  };
}

async function refreshAndReport(registry: Registry, watch: ServerWatch): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: 'hearth.servers' }, title: 'Refreshing Hearth servers' }, () => watch.retry());
  const statuses = registry.statuses();
  const failed = statuses.filter((s) => s.state === 'error' && !s.server.detected);
  for (const s of failed) void showError(s.error, { retry: () => refreshAndReport(registry, watch) });
  if (statuses.length === 0) {
    const pick = await vscode.window.showInformationMessage(
      `Hearth found no model server on this machine (${describeProbedPorts()}).`,
      'Add Server',
      'Get Started',
    );
    if (pick === 'Add Server') await vscode.commands.executeCommand('hearth.addServer');
    if (pick === 'Get Started') await openWalkthrough();
  }
}

export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', 'hearth.hearth#hearth.getStarted', false);
}

async function addServer(config: Config, keys: ApiKeys): Promise<void> {
  const kindPick = await vscode.window.showQuickPick(
    KINDS.map((k) => ({ label: kindLabel(k.kind), description: k.defaultUrl ?? 'any URL', serverKind: k.kind, url: k.defaultUrl })),
    { title: 'Add Server (1/3): what kind of server?' },
  );
  if (!kindPick) return;
  const existing = Array.isArray(config.servers) ? (config.servers as unknown[]) : [];
  const url = await vscode.window.showInputBox({
    title: 'Add Server (2/3): its address',
    value: kindPick.url ?? 'http://',
    prompt: 'The base URL, e.g. http://127.0.0.1:8080 (without /v1)',
    validateInput: (v) => problemFor({ name: 'x', kind: kindPick.serverKind, url: v }),
  });
  if (!url) return;
  const host = new URL(url.trim()).host;
  const name = await vscode.window.showInputBox({
    title: 'Add Server (3/3): a name for it',
    value: `${kindPick.label} (${host})`,
    validateInput: (v) => serverNameProblem(v, existing),
  });
  if (!name) return;
  const entry = { name: name.trim(), kind: kindPick.serverKind, url: url.trim() };
  await config.write('servers', [...existing, entry]);
  const wantsKey = await vscode.window.showInformationMessage(
    `Added "${entry.name}". Does it need an API key?`,
    'Set API Key',
    'No Key Needed',
  );
  if (wantsKey === 'Set API Key') {
    const server = validateServers([entry]).servers[0];
    if (server) await askAndStoreKey(keys, server);
  }
}

function problemFor(entry: { name: string; kind: ServerKind; url: string }): string | undefined {
  const { problems } = validateServers([entry]);
  return problems[0]?.replace(/^hearth\.servers\[0\][^:]*:\s*/, '');
}

async function pickServer(registry: Registry, name: string | undefined, title: string): Promise<ServerConfig | undefined> {
  const servers = registry.servers();
  if (name) return servers.find((s) => s.name === name);
  if (servers.length === 0) {
    void vscode.window.showInformationMessage('Hearth has no servers yet. Add one first.', 'Add Server').then((p) => {
      if (p) void vscode.commands.executeCommand('hearth.addServer');
    });
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    servers.map((s) => ({ label: s.name, description: s.url, server: s })),
    { title },
  );
  return pick?.server;
}

async function setApiKey(registry: Registry, keys: ApiKeys, name?: string): Promise<void> {
  const server = await pickServer(registry, name, 'Set API Key: for which server?');
  if (server) await askAndStoreKey(keys, server);
}

async function askAndStoreKey(keys: ApiKeys, server: ServerConfig): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: `API key for ${server.name}`,
    prompt: `Stored in VS Code's secret storage and sent only to ${new URL(server.url).origin}.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter the key, or press Escape.'),
  });
  if (!key) return;
  await keys.set(server, key.trim());
  void vscode.window.showInformationMessage(`API key for ${server.name} saved.`);
}

async function removeApiKey(registry: Registry, keys: ApiKeys, name?: string): Promise<void> {
  const server = await pickServer(registry, name, 'Remove API Key: for which server?');
  if (!server) return;
  await keys.remove(server);
  void vscode.window.showInformationMessage(`API key for ${server.name} removed.`);
}
