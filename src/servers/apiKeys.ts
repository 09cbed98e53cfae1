import type * as vscode from 'vscode';
import type { ServerConfig } from '../core/types';

/**
 * API keys in VS Code's SecretStorage (the OS keychain), never in settings.
 * A key is stored under the server's name *and* origin, so if the server's
 * URL is changed to another host the old key is not sent there.
 */
export class ApiKeys {
  constructor(private readonly storage: vscode.SecretStorage) {}

  static storageKey(server: Pick<ServerConfig, 'name' | 'url'>): string {
    return `hearth.apiKey:${server.name}|${new URL(server.url).origin}`;
  }

  get(server: ServerConfig): Promise<string | undefined> {
    return Promise.resolve(this.storage.get(ApiKeys.storageKey(server))).then((v) => v || undefined);
  }

  async set(server: ServerConfig, key: string): Promise<void> {
    await this.storage.store(ApiKeys.storageKey(server), key);
  }

  async remove(server: ServerConfig): Promise<void> {
    await this.storage.delete(ApiKeys.storageKey(server));
  }

  /** Fires with the storage key when any key changes (to refresh that server). */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      if (e.key.startsWith('hearth.apiKey:')) listener();
    });
  }
}
