import type * as vscode from 'vscode';
import type { ServerConfig } from '../core/types';
import type { GlobalState } from '../globalState';

/**
 * Credentials in VS Code's SecretStorage (the OS keychain), never in
 * settings: each server's API key, and header values (`x-api-key`,
 * Cloudflare Access secrets, cookies …) set with Hearth: Set Header Secret….
 * Each is stored under the server's name *and* origin, so if the server's
 * URL is changed to another host nothing stored is sent there. SecretStorage
 * cannot list its keys, so the names of the stored headers are kept in
 * global state (names only, never values).
 */
export class ApiKeys {
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly state: GlobalState,
  ) {}

  private static owner(server: Pick<ServerConfig, 'name' | 'url'>): string {
    return `${server.name}|${new URL(server.url).origin}`;
  }

  static storageKey(server: Pick<ServerConfig, 'name' | 'url'>): string {
    return `hearth.apiKey:${ApiKeys.owner(server)}`;
  }

  static headerKey(server: Pick<ServerConfig, 'name' | 'url'>, header: string): string {
    return `hearth.header:${ApiKeys.owner(server)}|${header.toLowerCase()}`;
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

  /** Names (lower case) of the headers stored for `server`. */
  headerNames(server: ServerConfig): string[] {
    return this.state.get('headerSecretNames')?.[ApiKeys.owner(server)] ?? [];
  }

  /** The stored header values of `server`, by header name. */
  async headers(server: ServerConfig): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of this.headerNames(server)) {
      const value = await this.storage.get(ApiKeys.headerKey(server, name));
      if (value) out[name] = value;
    }
    return out;
  }

  async setHeader(server: ServerConfig, header: string, value: string): Promise<void> {
    const name = header.toLowerCase();
    await this.storage.store(ApiKeys.headerKey(server, name), value);
    const names = this.headerNames(server);
    if (!names.includes(name)) await this.saveNames(server, [...names, name]);
  }

  async removeHeader(server: ServerConfig, header: string): Promise<void> {
    const name = header.toLowerCase();
    await this.storage.delete(ApiKeys.headerKey(server, name));
    await this.saveNames(
      server,
      this.headerNames(server).filter((n) => n !== name),
    );
  }

  /** Fires when any key or header secret changes (to refresh that server). */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      if (e.key.startsWith('hearth.apiKey:') || e.key.startsWith('hearth.header:')) listener();
    });
  }

  private async saveNames(server: ServerConfig, names: string[]): Promise<void> {
    const all = { ...this.state.get('headerSecretNames') };
    if (names.length) all[ApiKeys.owner(server)] = names;
    else delete all[ApiKeys.owner(server)];
    await this.state.set('headerSecretNames', all);
  }
}
