// The "Hearth" status bar item and its menu. This class is the item's only
// owner; features contribute a part of it (a label, an icon, tooltip lines,
// menu entries) and call `update()` when their part changed.
import * as vscode from 'vscode';

export interface MenuEntry {
  /** Shown in the menu, e.g. "$(sparkle) Select Completion Model". */
  label: string;
  command: string;
  /** Position in the menu; lower first. */
  order: number;
}

/** What one feature shows on the item right now. */
export interface StatusPart {
  /** Text after "Hearth: " (the first part with one wins). */
  label?: string;
  /** An icon for what the feature is doing (a spinner, off, snoozed): wins over the others. */
  activityIcon?: string;
  /** Something needs attention: the warning icon. */
  warning?: boolean;
  /** Something is being checked: a spinner, unless there is a warning. */
  busy?: boolean;
  /** Paint the item with the warning background. */
  highlight?: boolean;
  /** Paragraphs of the tooltip, as plain text. */
  tooltip: string[];
}

export interface StatusContribution {
  /** Position of the part in the tooltip; lower first. */
  order: number;
  render(): StatusPart;
  menu?: MenuEntry[];
}

export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('hearth.status', vscode.StatusBarAlignment.Right, 100);
  private readonly parts: StatusContribution[] = [];

  constructor() {
    this.item.name = 'Hearth';
    this.item.command = 'hearth.showMenu';
    this.update();
    this.item.show();
  }

  /** Adds a feature's part; returns a function that removes it. */
  contribute(part: StatusContribution): vscode.Disposable {
    this.parts.push(part);
    this.parts.sort((a, b) => a.order - b.order);
    this.update();
    return {
      dispose: () => {
        const i = this.parts.indexOf(part);
        if (i >= 0) this.parts.splice(i, 1);
        this.update();
      },
    };
  }

  update(): void {
    const rendered = this.parts.map((p) => p.render());
    const label = rendered.find((r) => r.label)?.label;
    const activity = [...rendered].reverse().find((r) => r.activityIcon)?.activityIcon;
    let icon = '$(flame)';
    if (rendered.some((r) => r.busy)) icon = '$(loading~spin)';
    if (rendered.some((r) => r.warning)) icon = '$(warning)';
    if (activity) icon = activity;
    this.item.text = `${icon} Hearth${label ? `: ${label}` : ''}`;
    this.item.backgroundColor = rendered.some((r) => r.highlight) ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;

    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.supportThemeIcons = true;
    md.appendMarkdown('**Hearth**\n\n');
    for (const line of rendered.flatMap((r) => r.tooltip)) md.appendText(`${line}\n\n`);
    md.appendMarkdown('Click for the Hearth menu.');
    this.item.tooltip = md;
  }

  /** The Hearth menu: every contributed entry, in order. */
  async showMenu(): Promise<void> {
    const entries = this.parts.flatMap((p) => p.menu ?? []).sort((a, b) => a.order - b.order);
    const pick = await vscode.window.showQuickPick(entries, { title: 'Hearth' });
    if (pick) await vscode.commands.executeCommand(pick.command);
  }

  dispose(): void {
    this.item.dispose();
  }
}
