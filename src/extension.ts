import * as vscode from 'vscode';
import { Disposables } from './lifecycle';
import { Log } from './log';
import { Config } from './config';
import { ApiKeys } from './servers/apiKeys';
import { ModelChoice } from './servers/modelChoice';
import { Registry } from './core/servers/registry';
import { validateServers } from './core/servers/kinds';
import { isLoopback } from './core/url';
import { ModelPicker } from './servers/modelPicker';
import { StatusBar } from './statusBar';
import { ServersView } from './servers/serversView';
import { openWalkthrough, registerCommands } from './commands';
import type { Services } from './services';
import { registerChat, type ChatApi } from './chat';
import { registerCompletion, type CompletionApi } from './completion';

/** What `activate` returns: used by Hearth's own integration tests. */
export interface HearthApi {
  registry: Registry;
  choice: ModelChoice;
  picker: ModelPicker;
  statusBar: StatusBar;
  log: Log;
  keys: ApiKeys;
  /** The sidebar chat. */
  chat: ChatApi;
  /** Inline completion. */
  completion: CompletionApi;
  /** Problems found in `hearth.servers` at the last read. */
  configProblems(): readonly string[];
}

let owner: Disposables | undefined;

export function activate(context: vscode.ExtensionContext): HearthApi {
  const d = (owner = new Disposables());
  context.subscriptions.push(d);

  const log = d.add(Log.create());
  const config = d.add(new Config());
  const keys = new ApiKeys(context.secrets);
  const selection = d.add(new ModelChoice(context.globalState));
  const registry = new Registry({ log: log.child('servers'), getApiKey: (server) => keys.get(server) });
  d.add({ dispose: () => registry.dispose() });
  const picker = new ModelPicker(registry, selection);
  const statusBar = d.add(new StatusBar(registry, selection));
  const serversView = d.add(new ServersView(registry, selection));
  d.add(vscode.window.registerTreeDataProvider('hearth.servers', serversView));

  let problems: readonly string[] = [];
  const reportedProblems = new Set<string>();
  const applyConfig = () => {
    const result = validateServers(config.servers);
    problems = result.problems;
    for (const problem of problems) {
      log.warn(`settings: ${problem}`);
      if (reportedProblems.has(problem)) continue; // each problem is reported once
      reportedProblems.add(problem);
      void vscode.window.showWarningMessage(`Hearth: ${problem} This entry is skipped.`, 'Open Settings').then((p) => {
        if (p) void config.openSettings('hearth.servers');
      });
    }
    registry.configure({ servers: result.servers, autoDetect: config.autoDetect });
    warnAboutRemoteServers(context.globalState, result.servers, log);
  };

  d.add(
    registry.onDidChange(() => {
      statusBar.update();
      serversView.refresh();
    }),
  );
  d.add(selection.onDidChange(() => {
    statusBar.update();
    serversView.refresh();
  }));
  d.add(
    config.onDidChange((change) => {
      if (change.affects('servers') || change.affects('autoDetect')) {
        applyConfig();
        void registry.refresh();
      }
    }),
  );
  d.add(keys.onDidChange(() => void registry.refresh({ force: true })));
  for (const disposable of registerCommands({ registry, config, keys, log, picker })) d.add(disposable);

  const services: Services = { context, disposables: d, log, config, keys, choice: selection, registry, statusBar };
  // Features: each registers its commands, views and listeners on `services`.
  const chat = registerChat(services);
  const completion = registerCompletion(services);

  applyConfig();
  serversView.refresh();
  // Activation stays cheap: no network until the first idle tick.
  const timer = setTimeout(() => {
    registry.refresh().then(
      (statuses) => welcomeOnFirstRun(context.globalState, statuses.length),
      (err) => log.error('first discovery failed', err),
    );
  }, 0);
  d.add({ dispose: () => clearTimeout(timer) });
  log.info(`Hearth ${context.extension.packageJSON.version} activated`);

  return { registry, choice: selection, picker, statusBar, log, keys, chat, completion, configProblems: () => problems };
}

const WELCOMED_KEY = 'hearth.welcomed';

/** The first time Hearth runs and finds no server, it opens its walkthrough (once, no popup). */
function welcomeOnFirstRun(state: vscode.Memento, serverCount: number): void {
  if (state.get(WELCOMED_KEY)) return;
  void state.update(WELCOMED_KEY, true);
  if (serverCount === 0) void openWalkthrough();
}

const NOTICE_KEY = 'hearth.remoteNoticeShown';

/** Once per origin: tell the user when a server is not on this machine. */
function warnAboutRemoteServers(state: vscode.Memento, servers: readonly { name: string; url: string }[], log: Log): void {
  const shown = new Set(state.get<string[]>(NOTICE_KEY, []));
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
  void state.update(NOTICE_KEY, [...shown]);
}

export function deactivate(): void {
  owner?.dispose();
  owner = undefined;
}
