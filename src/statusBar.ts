import * as vscode from 'vscode';
import type { Registry } from './core/servers/registry';
import type { ModelChoice } from './servers/modelChoice';
import { overallState } from './core/servers/modelList';

/**
 * The "Hearth" status bar item: the completion model and the health of its
 * server. Clicking it opens the Hearth menu. Feature modules can put a
 * transient activity (a spinner, the last request's numbers) on it.
 */
export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('hearth.status', vscode.StatusBarAlignment.Right, 100);
  private activity: { icon?: string; tooltip?: string; error?: string } = {};

  constructor(
    private readonly registry: Registry,
    private readonly selection: ModelChoice,
  ) {
    this.item.name = 'Hearth';
    this.item.command = 'hearth.showMenu';
    this.update();
    this.item.show();
  }

  /** Set (or clear with {}) what a feature is doing right now. */
  setActivity(activity: { icon?: string; tooltip?: string; error?: string }): void {
    this.activity = activity;
    this.update();
  }

  update(): void {
    const ref = this.selection.get('completion');
    const statuses = this.registry.statuses();
    const status = ref ? this.registry.status(ref.server) : undefined;
    const state = status ? (status.state === 'ok' ? 'ok' : status.state === 'unknown' ? 'checking' : status.state) : overallState(statuses);
    const label = ref ? ref.model : 'no model';
    let icon = '$(flame)';
    if (state === 'checking' || state === 'loading') icon = '$(loading~spin)';
    if (state === 'error' || state === 'none' || this.activity.error) icon = '$(warning)';
    if (this.activity.icon) icon = this.activity.icon;
    this.item.text = `${icon} Hearth: ${label}`;
    this.item.backgroundColor =
      state === 'error' || this.activity.error ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;

    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.supportThemeIcons = true;
    md.appendMarkdown('**Hearth**\n\n');
    const chat = this.selection.get('chat');
    md.appendText(`Completion model: ${ref ? `${ref.model} (${ref.server})` : 'none selected'}\n\n`);
    md.appendText(`Chat model: ${chat ? `${chat.model} (${chat.server})` : 'none selected'}\n\n`);
    if (statuses.length === 0) md.appendText('No model server found on this machine.\n\n');
    for (const s of statuses) {
      const what = s.state === 'ok' ? `${s.models.length} model${s.models.length === 1 ? '' : 's'}` : s.error?.message ?? s.state;
      md.appendText(`${s.server.name}: ${what}\n\n`);
    }
    if (this.activity.error) md.appendText(`Last error: ${this.activity.error}\n\n`);
    if (this.activity.tooltip) md.appendText(`${this.activity.tooltip}\n\n`);
    md.appendMarkdown('Click for the Hearth menu.');
    this.item.tooltip = md;
  }

  dispose(): void {
    this.item.dispose();
  }
}
