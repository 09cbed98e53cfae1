import type * as vscode from 'vscode';
import type { Disposables } from './lifecycle';
import type { Log } from './log';
import type { Config } from './config';
import type { ApiKeys } from './servers/apiKeys';
import type { ModelChoice } from './servers/modelChoice';
import type { Registry } from './core/servers/registry';
import type { StatusBar } from './statusBar';

/**
 * What the foundation hands to each feature (chat, completion): the one
 * owner of disposables, the log, typed config, keys, model selection, the
 * server registry and the status bar. Features register everything they
 * create on `disposables`.
 */
export interface Services {
  context: vscode.ExtensionContext;
  disposables: Disposables;
  log: Log;
  config: Config;
  keys: ApiKeys;
  choice: ModelChoice;
  registry: Registry;
  statusBar: StatusBar;
}
