// The editor commands: short jobs with an answer of a known shape, asked of
// the task model through the non-streaming structured client — Generate
// Commit Message (Source Control), and the selection actions Document, Fix,
// Write Tests and Explain (editor context menu).
import * as vscode from 'vscode';
import { registerCommands } from '../commands';
import type { Services } from '../services';
import type { ChatApi } from '../chat';
import { generateCommitMessage } from './commit';
import { PROPOSAL_SCHEME, type Proposals } from '../proposals';
import { TaskRunner } from './runner';
import { documentCode, explainCode, fixCode, writeTests, type SelectionDeps } from './selection';
import { taskSettings } from './settings';
import { defaultTasksUi, type TasksUi } from './ui';

/** What the editor commands expose on HearthApi (for Hearth's own integration tests). */
export interface TasksApi {
  runner: TaskRunner;
  /** The shared proposals service (services.proposals). */
  proposals: Proposals;
  /** The messages and questions; tests replace its methods. */
  ui: TasksUi;
}

export function registerTasks(services: Services, chat: ChatApi): TasksApi {
  const { disposables: d, log: baseLog, registry, choice, config, watch, files, proposals } = services;
  const log = baseLog.child('tasks');
  // The methods are looked up on each call, so tests can replace them.
  const ui: TasksUi = defaultTasksUi();
  const proxyUi: TasksUi = {
    showError: (...a) => ui.showError(...a),
    ask: (...a) => ui.ask(...a),
    confirm: (...a) => ui.confirm(...a),
    info: (...a) => ui.info(...a),
    pick: (...a) => ui.pick(...a),
  };
  const runner = new TaskRunner({ registry, choice, log, ui: proxyUi, settings: () => taskSettings(config, log), lookout: watch });
  const deps: SelectionDeps = { runner, ui: proxyUi, proposals, log, chat, files };
  d.add({ dispose: () => runner.cancel() });

  const proposalArg = (arg: unknown) => (arg instanceof vscode.Uri && arg.scheme === PROPOSAL_SCHEME ? arg : undefined);
  // A failure before the request (no repository, Git off …) is shown like the request's own errors.
  const shown =
    (id: string, run: (arg?: unknown) => Promise<unknown>) =>
    (arg?: unknown): Promise<unknown> =>
      run(arg).catch((err: unknown) => {
        log.warn(`${id} failed: ${err instanceof Error ? err.message : String(err)}`);
        return proxyUi.showError(err, {});
      });
  registerCommands(d, log, {
    'hearth.tasks.generateCommitMessage': shown('generate commit message', (arg) => generateCommitMessage(arg, runner, proxyUi, log)),
    'hearth.tasks.document': shown('document', () => documentCode(deps)),
    'hearth.tasks.fix': shown('fix', () => fixCode(deps)),
    'hearth.tasks.writeTests': shown('write tests', () => writeTests(deps)),
    'hearth.tasks.explain': shown('explain', () => explainCode(deps)),
    'hearth.tasks.acceptProposal': (arg?: unknown) => proposals.accept(proposalArg(arg)),
    'hearth.tasks.rejectProposal': (arg?: unknown) => proposals.reject(proposalArg(arg)),
  });
  return { runner, proposals, ui };
}
