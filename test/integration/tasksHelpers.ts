// Shared set-up of the editor-command integration tests: a fake llama.cpp
// with the chat route (structured output checked by the fake), configured as
// the only server and chosen as the chat model; the errors, questions and
// messages the commands show, recorded (and the questions answered).
import * as vscode from 'vscode';
import type { HearthApi } from '../../src/extension';
import { ChatRoutes, mountChat, startLlamaCpp, type ChatScript, type FakeLlamaCpp } from '../fakes';
import { hearth, useServer } from './helpers';

export const TASK_MODEL = '/models/fake-task-q8_0.gguf';
export const TASK_SERVER = 'Tasks fake';

export interface TasksFixture {
  api: HearthApi;
  llama: FakeLlamaCpp;
  routes: ChatRoutes;
  errors: unknown[];
  infos: string[];
  /** Questions asked (`ask`), with the answer given from `answers` (or none). */
  asked: string[];
  answers: string[];
  close(): Promise<void>;
}

export async function tasksFixture(script: ChatScript = {}): Promise<TasksFixture> {
  const api = await hearth();
  const llama = await startLlamaCpp({ model: TASK_MODEL, nCtx: 8192 });
  const routes = mountChat(llama, new ChatRoutes({ expectStructured: 'json_schema', ...script }));
  await useServer(api, { name: TASK_SERVER, kind: 'llamacpp', url: llama.url }, 'chat', TASK_MODEL);
  await api.choice.set('task', undefined);
  const saved = { ...api.tasks.ui };
  const savedProposalsUi = { ...api.tasks.proposals.ui };
  const f: TasksFixture = {
    api,
    llama,
    routes,
    errors: [],
    infos: [],
    asked: [],
    answers: [],
    async close() {
      Object.assign(api.tasks.ui, saved);
      Object.assign(api.tasks.proposals.ui, savedProposalsUi);
      api.tasks.runner.cancel();
      for (const uri of api.tasks.proposals.open()) await api.tasks.proposals.reject(uri);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      routes.closeAll();
      await llama.close();
    },
  };
  api.tasks.ui.showError = async (error) => void f.errors.push(error);
  api.tasks.ui.info = (message) => void f.infos.push(message);
  api.tasks.ui.ask = async (message, ...choices) => {
    f.asked.push(message);
    const answer = f.answers.shift();
    return answer !== undefined && choices.includes(answer) ? answer : undefined;
  };
  api.tasks.proposals.ui.ask = (message, ...choices) => api.tasks.ui.ask(message, ...choices);
  api.tasks.ui.confirm = async () => true;
  return f;
}

/** The message of an error the commands showed. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
