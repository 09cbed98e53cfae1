// Hearth: Generate Commit Message (Source Control title button, palette):
// the staged diff (or, when nothing is staged and the user agrees, the
// working tree's), fitted to the model's context, becomes a `{subject, body}`
// answer written into the repository's commit message box.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  COMMIT_MAX_TOKENS,
  COMMIT_SCHEMA,
  commitMessages,
  commitPromptOverhead,
  commitText,
  styleExamples,
  type CommitAnswer,
} from '../core/tasks/commit';
import { fitDiff, parseDiff } from '../core/tasks/diff';
import { isWithheld } from '../core/tasks/files';
import type { Logger } from '../core/types';
import { pickRepository, recentMessages, untrackedFiles } from './git';
import type { TaskRunner } from './runner';
import type { TasksUi } from './ui';

export const USE_WORKING_TREE = 'Use Working Tree Changes';

/** Characters per token of room: the chat budget's (deliberately high) estimate of 3 characters per token. */
const CHARS_PER_TOKEN = 3;

export async function generateCommitMessage(arg: unknown, runner: TaskRunner, ui: TasksUi, log: Logger): Promise<void> {
  const repo = await pickRepository(arg, ui);
  if (!repo) return;
  const name = path.basename(repo.rootUri.fsPath);
  let source: 'staged' | 'working tree' = 'staged';
  let diff = await repo.diff(true);
  let untracked: string[] = [];
  if (!diff.trim()) {
    await repo.status().catch(() => undefined);
    const working = await repo.diff(false);
    untracked = untrackedFiles(repo);
    if (!working.trim() && untracked.length === 0) {
      ui.info(`Hearth: nothing to describe in ${name}: no staged changes and no changes in the working tree.`);
      return;
    }
    const answer = await ui.ask(
      `Nothing is staged in ${name}. Write the commit message for the changes in the working tree?`,
      USE_WORKING_TREE,
    );
    if (answer !== USE_WORKING_TREE) return;
    diff = working;
    source = 'working tree';
  }
  const files = parseDiff(diff);
  const examples = styleExamples(await recentMessages(repo));
  const again = () => vscode.commands.executeCommand('hearth.tasks.generateCommitMessage', repo.rootUri);
  const result = await runner.run<CommitAnswer>(
    {
      title: 'Writing a commit message…',
      name: 'commit_message',
      schema: COMMIT_SCHEMA,
      maxTokens: COMMIT_MAX_TOKENS,
      prompt: (room) => {
        const fitted = fitDiff(files, Math.max(0, room - commitPromptOverhead(examples)) * CHARS_PER_TOKEN, isWithheld);
        log.info(
          `commit message: ${source} diff of ${files.length} files (${diff.length} chars): ${fitted.whole.length} whole, ` +
            `${fitted.shortened.length} shortened, ${fitted.listed.length} listed, ${fitted.binary.length} binary, ` +
            `${fitted.withheld.length} withheld${fitted.withheld.length ? ` (${fitted.withheld.join(', ')})` : ''}`,
        );
        return commitMessages({ diff: fitted, source, examples, untracked });
      },
    },
    again,
  );
  if (!result) return;
  repo.inputBox.value = commitText(result.value);
  await vscode.commands.executeCommand('workbench.view.scm').then(undefined, () => undefined);
}
