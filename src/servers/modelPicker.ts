import * as vscode from 'vscode';
import type { Registry } from '../core/servers/registry';
import type { ModelRef } from '../core/servers/types';
import { pickEntries, type PickEntry, type Purpose } from '../core/servers/modelList';
import type { ModelChoice } from './modelChoice';

type Item = vscode.QuickPickItem & { entry?: PickEntry };

const TITLES: Record<Purpose, string> = {
  chat: 'Hearth: Select Chat Model',
  completion: 'Hearth: Select Completion Model',
  task: 'Hearth: Select Task Model (Commit Message, Document, Fix, Write Tests)',
};

/**
 * The `Select Chat Model` / `Select Completion Model` / `Select Task Model`
 * quick pick: grouped by server, live-updated while discovery runs,
 * unreachable servers shown with their error. Resolves with the chosen model
 * (already persisted) or undefined when dismissed or, for tasks, when "Same
 * as the chat model" was chosen (the task model is then unset).
 */
export class ModelPicker {
  /** The quick pick currently open, for integration tests. */
  current: vscode.QuickPick<Item> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly selection: ModelChoice,
  ) {}

  async pick(purpose: Purpose): Promise<ModelRef | undefined> {
    const qp = vscode.window.createQuickPick<Item>();
    this.current = qp;
    qp.title = TITLES[purpose];
    qp.placeholder = 'Type to filter models';
    qp.matchOnDescription = true;
    qp.buttons = [{ iconPath: new vscode.ThemeIcon('refresh'), tooltip: 'Refresh Servers' }];

    const render = () => {
      const selected = this.selection.get(purpose);
      // The item the user moved to stays active when the list is drawn again (discovery finishing); else the current choice.
      const was = qp.activeItems[0]?.entry;
      const items = pickEntries(this.registry.statuses(), purpose, selected).map(toItem);
      qp.items = items;
      const active =
        (was && items.find((i) => sameEntry(i.entry, was))) ??
        items.find((i) => (i.entry?.type === 'model' || i.entry?.type === 'followChat') && i.entry.picked);
      if (active) qp.activeItems = [active];
    };
    const listener = this.registry.onDidChange(render);
    render();
    qp.busy = true;
    void this.registry.refresh().finally(() => (qp.busy = false));

    try {
      return await new Promise<ModelRef | null | undefined>((resolve) => {
        qp.onDidTriggerButton(() => {
          qp.busy = true;
          void this.registry.refresh({ force: true }).finally(() => (qp.busy = false));
        });
        qp.onDidAccept(() => {
          const entry = qp.selectedItems[0]?.entry ?? qp.activeItems[0]?.entry;
          if (entry?.type !== 'model' && entry?.type !== 'followChat') return; // separators and problems are not choices
          resolve(entry.type === 'model' ? entry.ref : null);
          qp.hide();
        });
        qp.onDidHide(() => resolve(undefined));
        qp.show();
      }).then(async (ref) => {
        if (ref !== undefined) await this.selection.set(purpose, ref ?? undefined);
        return ref ?? undefined;
      });
    } finally {
      listener.dispose();
      qp.dispose();
      if (this.current === qp) this.current = undefined;
    }
  }
}

function sameEntry(a: PickEntry | undefined, b: PickEntry): boolean {
  if (!a || a.type !== b.type) return false;
  if (a.type === 'model' && b.type === 'model') return a.ref.server === b.ref.server && a.ref.model === b.ref.model;
  return a.type === 'followChat';
}

function toItem(entry: PickEntry): Item {
  switch (entry.type) {
    case 'server':
      return { label: entry.label, kind: vscode.QuickPickItemKind.Separator, entry };
    case 'problem':
      return { label: entry.label, detail: entry.detail, entry, alwaysShow: true };
    case 'model':
      return { label: entry.label, description: entry.description, detail: entry.detail, entry };
    case 'followChat':
      return { label: entry.label, detail: entry.detail, entry };
  }
}
