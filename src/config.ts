import * as vscode from 'vscode';
import { Emitter } from './core/events';
import { Disposables } from './lifecycle';
import { SERVER_DEFAULTS } from './core/servers/kinds';

const SECTION = 'hearth';

/**
 * Settings that can send code somewhere or pick where keys go. They are
 * declared `application`-scoped in package.json, and read here from the user
 * (global) level only, so a cloned repository's `.vscode/settings.json` can
 * never redirect traffic even if a host ignored the scope.
 */
const USER_ONLY = new Set(['servers', 'autoDetect']);

/**
 * The typed view of Hearth's settings. Nothing else calls
 * `getConfiguration`; one listener turns configuration changes into
 * `onDidChange` events naming the settings that changed.
 */
export class Config implements vscode.Disposable {
  private readonly changed = new Emitter<ConfigChange>();
  /** Fires once per change of any `hearth.*` setting; `affects('chat')` tells which. */
  readonly onDidChange = this.changed.event;
  private readonly owned = new Disposables();
  /** Keys (without `hearth.`) of package.json's `restrictedConfigurations`. */
  private readonly restricted: ReadonlySet<string>;

  /**
   * `restricted`: package.json's `capabilities.untrustedWorkspaces.restrictedConfigurations`,
   * the window-scoped settings that shape what is sent. In Restricted Mode VS Code ignores
   * the workspace's values of those; Hearth then reads them from the user level only, too.
   */
  constructor(restricted: readonly string[] = []) {
    this.restricted = new Set(restricted.map((k) => k.replace(/^hearth\./, '')));
    this.owned.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        this.changed.fire({ affects: (key) => e.affectsConfiguration(`${SECTION}.${key}`) });
      }),
    );
    // Trusting the folder lets its values of the restricted settings apply.
    this.owned.add(
      vscode.workspace.onDidGrantWorkspaceTrust(() =>
        this.changed.fire({ affects: (key) => [...this.restricted].some((r) => r === key || r.startsWith(`${key}.`)) }),
      ),
    );
  }

  /** Raw `hearth.servers` as the user wrote it; validated by the registry. */
  get servers(): unknown {
    return this.read<unknown>('servers', SERVER_DEFAULTS.servers);
  }

  get autoDetect(): boolean {
    return this.read('autoDetect', SERVER_DEFAULTS.autoDetect);
  }

  /**
   * Reads `hearth.<key>`. Feature modules build their typed settings on this
   * (e.g. `chatSettings(config)`), so this class stays the one reader.
   */
  read<T>(key: string, fallback: T): T {
    const config = vscode.workspace.getConfiguration(SECTION);
    if (USER_ONLY.has(key) || key.startsWith('servers') || (this.restricted.has(key) && !vscode.workspace.isTrusted)) {
      const info = config.inspect<T>(key);
      return info?.globalValue ?? info?.defaultValue ?? fallback;
    }
    return config.get<T>(key, fallback);
  }

  async write(key: string, value: unknown): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
  }

  openSettings(query = '@ext:hearth.hearth'): Thenable<unknown> {
    return vscode.commands.executeCommand('workbench.action.openSettings', query);
  }

  dispose(): void {
    this.owned.dispose();
    this.changed.dispose();
  }
}

export interface ConfigChange {
  /** Whether `hearth.<key>` (or a setting below it) changed. */
  affects(key: string): boolean;
}
