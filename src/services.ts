import type * as vscode from 'vscode';
import type { Disposables } from './lifecycle';
import type { Log } from './log';
import type { Config } from './config';
import type { GlobalState } from './globalState';
import type { StatusBar } from './statusBar';
import type { FilePolicy } from './filePolicy';
import type { Proposals } from './proposals';
import type { ApiKeys } from './servers/apiKeys';
import type { ModelChoice } from './servers/modelChoice';
import type { Registry } from './core/servers/registry';
import type { ServerWatch } from './servers/watch';

/**
 * What the foundation hands to every feature: the one owner of disposables,
 * the log, typed config, global state, the status bar, the file policy and
 * the proposals. Features register
 * everything they create on `disposables`.
 */
export interface Base {
  context: vscode.ExtensionContext;
  disposables: Disposables;
  log: Log;
  config: Config;
  state: GlobalState;
  statusBar: StatusBar;
  /** What may be sent to a model without asking (chat attachments, completion context). */
  files: FilePolicy;
  /** Changes to files proposed as a diff with Accept and Reject (Fix, the chat's propose_edit). */
  proposals: Proposals;
}

/** What chat and completion get besides the base: the servers feature's registry, keys, model choice and watch. */
export interface Services extends Base {
  registry: Registry;
  choice: ModelChoice;
  keys: ApiKeys;
  watch: ServerWatch;
}
