// Every value Hearth keeps in VS Code's global state, in one table: its key,
// and a check that what comes back from storage has the right shape (a value
// of the wrong shape reads as unset). Nothing else touches `globalState`.
import type * as vscode from 'vscode';
import type { ModelRef } from './core/servers/types';

type Check<T> = (value: unknown) => value is T;

const isModelRef: Check<ModelRef> = (v): v is ModelRef =>
  typeof v === 'object' && v !== null && typeof (v as ModelRef).server === 'string' && typeof (v as ModelRef).model === 'string';
const isTrue: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const isNumber: Check<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings: Check<string[]> = (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isStringLists: Check<Record<string, string[]>> = (v): v is Record<string, string[]> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => isStrings(x));

const ENTRIES = {
  /** The chat model the user picked. */
  chatModel: { key: 'hearth.chatModel', check: isModelRef },
  /** The completion model the user picked. */
  completionModel: { key: 'hearth.completionModel', check: isModelRef },
  /** The model the editor commands (tasks) use; unset: the chat model. */
  taskModel: { key: 'hearth.taskModel', check: isModelRef },
  /** The walkthrough was considered once (opened when no server was found). */
  welcomed: { key: 'hearth.welcomed', check: isTrue },
  /** Origins of servers not on this machine that the user was told about. */
  remoteNotices: { key: 'hearth.remoteNoticeShown', check: isStrings },
  /** The one-time "no completion model selected" notice was shown. */
  completionModelOffered: { key: 'hearth.completion.offeredModel', check: isTrue },
  /** Hearth: Toggle Completions switched automatic completion off. */
  completionOff: { key: 'hearth.completion.off', check: isTrue },
  /** Date.now() when a snooze of completions ends. */
  snoozedUntil: { key: 'hearth.completion.snoozedUntil', check: isNumber },
  /** Per server (name|origin), the names of the headers whose values are in secret storage (names only). */
  headerSecretNames: { key: 'hearth.headerSecretNames', check: isStringLists },
} satisfies Record<string, { key: string; check: Check<unknown> }>;

type Entries = typeof ENTRIES;
export type StateName = keyof Entries;
export type StateValue<N extends StateName> = Entries[N]['check'] extends Check<infer T> ? T : never;

export class GlobalState {
  constructor(private readonly memento: vscode.Memento) {}

  get<N extends StateName>(name: N): StateValue<N> | undefined {
    const { key, check } = ENTRIES[name];
    const value = this.memento.get<unknown>(key);
    return (check as Check<StateValue<N>>)(value) ? value : undefined;
  }

  /** Stores a value; undefined removes it. */
  async set<N extends StateName>(name: N, value: StateValue<N> | undefined): Promise<void> {
    await this.memento.update(ENTRIES[name].key, value);
  }

  /** Every storage key in the table (tests). */
  static keys(): string[] {
    return Object.values(ENTRIES).map((e) => e.key);
  }
}
