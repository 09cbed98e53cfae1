import type * as vscode from 'vscode';

/**
 * Owns disposables. Everything registered by the extension goes through one
 * instance, so deactivation releases it all; an owner that is already
 * disposed disposes late additions at once.
 */
export class Disposables implements vscode.Disposable {
  private items: { dispose(): unknown }[] = [];
  private disposed = false;

  add<T extends { dispose(): unknown }>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  addAll(...items: { dispose(): unknown }[]): void {
    for (const item of items) this.add(item);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) {
      try {
        item.dispose();
      } catch {
        // One failing disposal must not keep the others alive.
      }
    }
  }
}
