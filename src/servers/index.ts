// The server registry in VS Code: servers from settings (or found on this
// machine), their API keys, the chosen models, the model pickers, the
// Servers view, the server commands and the servers' part of the status bar.
import * as vscode from 'vscode';
import { validateServers } from '../core/servers/kinds';
import { Registry } from '../core/servers/registry';
import { registerCommands } from '../commands';
import type { Base } from '../services';
import { ApiKeys } from './apiKeys';
import { serverCommands } from './commands';
import { ModelChoice } from './modelChoice';
import { ModelPicker } from './modelPicker';
import { warnAboutRemoteServers, welcomeOnFirstRun } from './notices';
import { ServersView } from './serversView';
import { serversStatus } from './status';
import { ServerWatch } from './watch';

export interface ServersApi {
  registry: Registry;
  choice: ModelChoice;
  keys: ApiKeys;
  picker: ModelPicker;
  /** Looks for servers again (focus, connection refused, Retry, backoff while in use). */
  watch: ServerWatch;
  /** Problems found in `hearth.servers` at the last read. */
  configProblems(): readonly string[];
}

export function registerServers(base: Base): ServersApi {
  const { context, disposables: d, config, state, statusBar } = base;
  const log = base.log.child('servers');
  const keys = new ApiKeys(context.secrets, state);
  const choice = d.add(new ModelChoice(state));
  const registry = new Registry({ log, getApiKey: (server) => keys.get(server), getSecretHeaders: (server) => keys.headers(server) });
  d.add({ dispose: () => registry.dispose() });
  const picker = new ModelPicker(registry, choice);
  const watch = d.add(new ServerWatch(registry, choice, log));
  const view = d.add(new ServersView(registry, choice));
  d.add(vscode.window.registerTreeDataProvider('hearth.servers', view));
  d.add(statusBar.contribute(serversStatus(registry, choice)));

  let problems: readonly string[] = [];
  const reported = new Set<string>();
  const applyConfig = () => {
    const result = validateServers(config.servers);
    problems = result.problems;
    for (const problem of problems) {
      log.warn(`settings: ${problem}`);
      if (reported.has(problem)) continue; // each problem is reported once
      reported.add(problem);
      void vscode.window.showWarningMessage(`Hearth: ${problem} This entry is skipped.`, 'Open Settings').then((p) => {
        if (p) void config.openSettings('hearth.servers');
      });
    }
    registry.configure({ servers: result.servers, autoDetect: config.autoDetect });
    warnAboutRemoteServers(state, result.servers, log);
  };

  const refreshViews = () => {
    statusBar.update();
    view.refresh();
  };
  d.add(registry.onDidChange(refreshViews));
  d.add(choice.onDidChange(refreshViews));
  d.add(
    config.onDidChange((change) => {
      if (!change.affects('servers') && !change.affects('autoDetect')) return;
      applyConfig();
      void registry.refresh();
    }),
  );
  d.add(keys.onDidChange(() => void registry.refresh({ force: true })));
  registerCommands(d, log, serverCommands(registry, config, keys, picker, watch));

  applyConfig();
  view.refresh();
  // Activation stays cheap: no network until the first idle tick.
  const timer = setTimeout(() => {
    registry.refresh().then(
      (statuses) => welcomeOnFirstRun(state, statuses.length),
      (err) => log.error('first discovery failed', err),
    );
  }, 0);
  d.add({ dispose: () => clearTimeout(timer) });

  return { registry, choice, keys, picker, watch, configProblems: () => problems };
}
