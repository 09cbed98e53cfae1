// Generate Commit Message in a real VS Code with its Git extension: a git
// repository made in the test workspace with the git CLI, a staged change,
// and a fake llama.cpp answering with structured output.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { USE_WORKING_TREE } from '../../src/tasks/commit';
import type { GitRepository } from '../../src/tasks/git';
import { setUserSetting, waitFor } from './helpers';
import { messageOf, TASK_MODEL, tasksFixture, type TasksFixture } from './tasksHelpers';

const VALID = JSON.stringify({ subject: 'feat: greet by name', body: 'The greeting takes a name now.' });

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
}

interface GitApi {
  repositories: GitRepository[];
  openRepository(root: vscode.Uri): Promise<GitRepository | null>;
}

async function gitApi(): Promise<GitApi> {
  const ext = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
  assert.ok(ext, "VS Code's Git extension is there");
  return (await ext.activate()).getAPI(1);
}

/** A new repository in the workspace with one commit, a staged change and a staged secret-looking file. */
async function makeRepository(): Promise<{ dir: string; repo: GitRepository }> {
  const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const dir = fs.mkdtempSync(path.join(root, 'repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'config', 'user.name', 'Hearth Test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  fs.writeFileSync(path.join(dir, 'greet.ts'), 'export const greet = () => "hello";\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'feat: add the greeting');
  fs.writeFileSync(path.join(dir, 'greet.ts'), 'export const greet = (name: string) => `hello ${name}`;\n');
  fs.writeFileSync(path.join(dir, '.env'), 'API_TOKEN=do-not-send-me\n');
  git(dir, 'add', 'greet.ts', '.env');
  const api = await gitApi();
  const repo = await api.openRepository(vscode.Uri.file(dir));
  assert.ok(repo, 'the Git extension opened the repository');
  return { dir, repo };
}

describe('tasks: Generate Commit Message', function () {
  this.timeout(60_000);
  let f: TasksFixture | undefined;

  afterEach(async () => {
    await f?.close();
    f = undefined;
    await setUserSetting('servers', undefined);
  });

  it('says clearly when there is no git repository', async function () {
    const api = await gitApi();
    if (api.repositories.length > 0) this.skip(); // another suite opened one
    f = await tasksFixture({ reply: VALID });
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage');
    assert.equal(f.errors.length, 1);
    assert.match(messageOf(f.errors[0]), /There is no git repository in this window/);
    assert.equal(f.routes.requests.length, 0);
  });

  it('writes the message for the staged change into the commit box, from the diff and the recent subjects', async () => {
    const { repo } = await makeRepository();
    f = await tasksFixture({ reply: VALID });
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', { rootUri: repo.rootUri });
    assert.deepEqual(f.errors.map(messageOf), []);
    assert.equal(repo.inputBox.value, 'feat: greet by name\n\nThe greeting takes a name now.');
    assert.equal(f.routes.requests.length, 1);
    const body = f.routes.requests[0].body;
    assert.equal(body.model, TASK_MODEL, 'the chat model when no task model is chosen');
    assert.equal(body.stream, false);
    assert.equal(body.response_format.type, 'json_schema');
    const user: string = body.messages[1].content;
    assert.ok(user.includes('+export const greet = (name: string) => `hello ${name}`;'), user);
    assert.match(user, /Recent commit subjects in this repository:\n- feat: add the greeting/);
    assert.ok(!user.includes('do-not-send-me'), 'the secret-looking file is not sent');
    assert.match(user, /may hold secrets changed \(content not sent\): \.env/);
  });

  it('succeeds after one retry when the first answer is invalid', async () => {
    const { repo } = await makeRepository();
    f = await tasksFixture({ replies: ['{"subject": "feat: gree', VALID] });
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', { rootUri: repo.rootUri });
    assert.deepEqual(f.errors.map(messageOf), []);
    assert.equal(f.routes.requests.length, 2);
    assert.equal(f.routes.requests[1].body.temperature, 0.3);
    assert.equal(repo.inputBox.value, 'feat: greet by name\n\nThe greeting takes a name now.');
  });

  it('shows the error after two invalid answers, and leaves the commit box alone', async () => {
    const { repo } = await makeRepository();
    repo.inputBox.value = 'my own words';
    f = await tasksFixture({ replies: ['Sure! Here is a commit message: add names', '{"subject": "x"}'] });
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', { rootUri: repo.rootUri });
    assert.equal(f.errors.length, 1);
    const message = messageOf(f.errors[0]);
    assert.match(message, new RegExp(`The model "${TASK_MODEL}" on Tasks fake gave no usable answer in two tries`));
    assert.match(message, /It returned: "\{"subject": "x"\}"/);
    assert.deepEqual((f.errors[0] as { actions: string[] }).actions, ['retry', 'selectModel', 'showLog']);
    assert.equal(f.routes.requests.length, 2);
    assert.equal(repo.inputBox.value, 'my own words');
  });

  it('offers the working-tree changes when nothing is staged, and uses the task model', async () => {
    const { dir, repo } = await makeRepository();
    git(dir, 'commit', '-q', '-m', 'fix: greet everyone');
    fs.appendFileSync(path.join(dir, 'greet.ts'), 'export const bye = () => "bye";\n');
    f = await tasksFixture({ reply: VALID });
    await f.api.choice.set('chat', { server: 'Tasks fake', model: 'another-chat-model' });
    await f.api.choice.set('task', { server: 'Tasks fake', model: TASK_MODEL });
    f.answers.push(USE_WORKING_TREE);
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', { rootUri: repo.rootUri });
    assert.deepEqual(f.errors.map(messageOf), []);
    assert.match(f.asked[0], /Nothing is staged in repo-\w+\. Write the commit message for the changes in the working tree\?/);
    const body = f.routes.requests[0].body;
    assert.equal(body.model, TASK_MODEL, 'the task model, not the chat model');
    assert.match(body.messages[1].content, /The changes in the working tree \(nothing is staged\)/);
    assert.ok(body.messages[1].content.includes('+export const bye = () => "bye";'));
    await waitFor('the message', () => repo.inputBox.value === 'feat: greet by name\n\nThe greeting takes a name now.');
  });

  it('does nothing when the user declines the working-tree changes', async () => {
    const { dir, repo } = await makeRepository();
    git(dir, 'commit', '-q', '-m', 'fix: greet everyone');
    fs.appendFileSync(path.join(dir, 'greet.ts'), '// more\n');
    f = await tasksFixture({ reply: VALID });
    await vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', { rootUri: repo.rootUri });
    assert.equal(f.asked.length, 1);
    assert.equal(f.routes.requests.length, 0);
    assert.equal(repo.inputBox.value, '');
  });
});
