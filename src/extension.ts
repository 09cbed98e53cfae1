// Wires Hearth together: the foundation (log, settings, global state, the
// status bar, the foundation's commands), then the features — servers, chat,
// completion, the editor commands (tasks) and the models offered to VS Code's
// own chat (lm) — each registering what it owns
// on one owner of disposables, released on deactivation.
import * as vscode from 'vscode';
import { Disposables } from './lifecycle';
import { Log } from './log';
import { Config } from './config';
import { GlobalState } from './globalState';
import { StatusBar } from './statusBar';
import { FilePolicy } from './filePolicy';
import { Proposals } from './proposals';
import { registerCommands } from './commands';
import type { Base, Services } from './services';
import { registerServers, type ServersApi } from './servers';
import { registerChat, type ChatApi } from './chat';
import { registerCompletion, type CompletionApi } from './completion';
import { registerTasks, type TasksApi } from './tasks';
import { registerLanguageModels, type LmApi } from './lm';

/** What `activate` returns when the extension runs its tests (ExtensionMode.Test): Hearth's own test hooks. */
export interface HearthApi extends ServersApi {
  statusBar: StatusBar;
  log: Log;
  chat: ChatApi;
  completion: CompletionApi;
  tasks: TasksApi;
  lm: LmApi;
}

let owner: Disposables | undefined;
let shutdown: (() => Promise<void>) | undefined;

/** How long `deactivate` waits for the chat to be written (VS Code gives extensions about 5 s). */
const SHUTDOWN_MS = 4000;

export function activate(context: vscode.ExtensionContext): HearthApi | undefined {
  const d = (owner = new Disposables());
  context.subscriptions.push(d);

  const log = d.add(Log.create());
  const manifest = context.extension.packageJSON as { capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } } };
  const config = d.add(new Config(manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []));
  const statusBar = d.add(new StatusBar());
  const files = d.add(new FilePolicy());
  const proposals = d.add(new Proposals(log));
  const base: Base = { context, disposables: d, log, config, state: new GlobalState(context.globalState), statusBar, files, proposals };
  d.add(
    statusBar.contribute({
      order: 100,
      render: () => ({ tooltip: [] }),
      menu: [
        { label: '$(output) Show Log', command: 'hearth.showLog', order: 90 },
        { label: '$(settings-gear) Open Settings', command: 'hearth.openSettings', order: 91 },
      ],
    }),
  );
  registerCommands(d, log, {
    'hearth.showLog': () => log.show(),
    'hearth.openSettings': () => config.openSettings(),
    'hearth.showMenu': () => statusBar.showMenu(),
  });

  const servers = registerServers(base);
  const services: Services = { ...base, registry: servers.registry, choice: servers.choice, keys: servers.keys, watch: servers.watch };
  const chat = registerChat(services);
  const completion = registerCompletion(services);
  shutdown = chat.shutdown;
  const tasks = registerTasks(services, chat);
  const lm = registerLanguageModels(services);
  log.info(`Hearth ${context.extension.packageJSON.version} activated`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return { ...servers, statusBar, log, chat, completion, tasks, lm };
}

/** Waits (briefly) for the last checkpoint and the draft to be written, then releases everything. */
export async function deactivate(): Promise<void> {
  const pending = shutdown;
  shutdown = undefined;
  try {
    if (pending) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_MS)));
      await Promise.race([pending().catch(() => undefined), limit]);
      clearTimeout(timer);
    }
  } finally {
    owner?.dispose();
    owner = undefined;
  }
}
