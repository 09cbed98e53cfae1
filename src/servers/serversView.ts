import * as vscode from 'vscode';
import type { Registry } from '../core/servers/registry';
import type { ModelInfo, ServerStatus } from '../core/servers/types';
import { kindLabel } from '../core/types';
import { describeContext, describeModel, sameRef } from '../core/servers/modelList';
import type { ModelChoice } from './modelChoice';

/** A tree node; Set API Key's inline button receives a server node (see serverNameOf). */
export type Node = { type: 'server'; status: ServerStatus } | { type: 'model'; model: ModelInfo; status: ServerStatus };

/**
 * The "Servers" tree in the Hearth view: each server with its state and its
 * models. When no server answers, the tree is empty and the view's welcome
 * content (package.json `viewsWelcome`) explains and offers Add Server and
 * Refresh; the context key `hearth.serverState` drives which text shows.
 */
export class ServersView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly registry: Registry,
    private readonly selection: ModelChoice,
  ) {}

  refresh(): void {
    const statuses = this.registry.statuses();
    const state = this.registry.isRefreshing() && statuses.length === 0 ? 'searching' : statuses.length === 0 ? 'none' : 'some';
    void vscode.commands.executeCommand('setContext', 'hearth.serverState', state);
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.registry.statuses().map((status) => ({ type: 'server', status }));
    if (node.type === 'server') return node.status.models.map((model) => ({ type: 'model', model, status: node.status }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'model') {
      const { model } = node;
      const item = new vscode.TreeItem(model.id, vscode.TreeItemCollapsibleState.None);
      const ref = { server: model.server, model: model.id };
      const roles = [
        sameRef(ref, this.selection.get('chat')) ? 'chat' : '',
        sameRef(ref, this.selection.get('completion')) ? 'completion' : '',
        sameRef(ref, this.selection.get('task')) ? 'tasks' : '',
      ].filter(Boolean);
      item.description = [describeModel(model, node.status), roles.length ? `✓ ${roles.join(' + ')}` : ''].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon(roles.length ? 'pass-filled' : 'symbol-misc');
      item.tooltip = describeContext(model, node.status);
      item.contextValue = 'model';
      return item;
    }
    const { status } = node;
    const { server } = status;
    const item = new vscode.TreeItem(
      server.name,
      status.models.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `server:${server.name}`;
    item.description = `${kindLabel(server.kind)} · ${server.url}`;
    item.contextValue = 'server';
    switch (status.state) {
      case 'ok':
        item.iconPath = new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
        item.tooltip = `${server.url}\n${status.models.length} model(s)`;
        break;
      case 'loading':
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.tooltip = status.error?.message ?? 'Loading model…';
        break;
      case 'error':
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.description = status.error?.message ?? 'Not available';
        item.tooltip = status.error?.message;
        break;
      default:
        item.iconPath = new vscode.ThemeIcon('sync~spin');
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
