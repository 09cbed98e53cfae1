// Hearth's models in VS Code's own chat and for every extension that uses
// `vscode.lm`: the provider is registered (vendor `hearth`) where VS Code has
// the API (1.104 and later) and `hearth.languageModels.enable` is on, and
// unregistered when it is turned off. `hearth.manageLanguageModels` opens
// VS Code's model management.
import * as vscode from 'vscode';
import { registerCommands } from '../commands';
import { HearthError } from '../core/errors';
import type { Services } from '../services';
import { chatSettings } from '../chat/settings';
import { lmRegistrar } from './api';
import { HearthLmProvider } from './provider';
import { lmEnabled } from './settings';

/** The vendor in package.json's `languageModelChatProviders`. */
export const LM_VENDOR = 'hearth';

/** VS Code's model management: its command on 1.139, and before (1.104–1.117). */
const MANAGE_COMMANDS = ['workbench.action.chat.manage', 'workbench.action.chat.manageLanguageModels'];

/** Tool calls are streamed back to VS Code (assembled and checked by core/chat/toolCalls.ts). */
const TOOL_CALLS = true;

/** What the provider exposes on HearthApi (for Hearth's own integration tests). */
export interface LmApi {
  provider: HearthLmProvider;
  /** True while the provider is registered with VS Code. */
  registered(): boolean;
}

export function registerLanguageModels(services: Services): LmApi {
  const { disposables: d, log: baseLog, registry, config, watch } = services;
  const log = baseLog.child('vscode-chat');
  const provider = d.add(
    new HearthLmProvider({
      registry,
      log,
      settings: () => chatSettings(config, log),
      toolCalls: TOOL_CALLS,
      failed: (error) => watch.failed(error),
    }),
  );
  const registrar = lmRegistrar();
  let registration: vscode.Disposable | undefined;
  const apply = () => {
    const enabled = lmEnabled(config, log);
    if (enabled && registrar && !registration) {
      registration = registrar.registerLanguageModelChatProvider(LM_VENDOR, provider);
      log.info("Hearth's models are offered to VS Code's chat (vendor hearth)");
    } else if (!enabled && registration) {
      registration.dispose();
      registration = undefined;
      log.info("Hearth's models are no longer offered to VS Code's chat (hearth.languageModels.enable is off)");
    }
  };
  if (!registrar)
    log.info(`VS Code ${vscode.version} cannot take model providers (1.104 and later can); Hearth's models stay in Hearth's chat`);
  apply();
  d.add({ dispose: () => registration?.dispose() });
  d.add(
    config.onDidChange((change) => {
      if (change.affects('languageModels')) apply();
      if (change.affects('chat.maxTokens')) provider.check();
    }),
  );

  registerCommands(d, log, {
    'hearth.manageLanguageModels': async () => {
      if (!registrar) {
        throw new HearthError(
          'notFound',
          `VS Code ${vscode.version} cannot show other extensions' models in its chat; Hearth's models appear there from VS Code 1.104 on. Hearth's own chat works as before.`,
          { actions: ['showLog'] },
        );
      }
      if (!registration) {
        const choice = await vscode.window.showInformationMessage(
          "Hearth's models are not offered to VS Code's chat: hearth.languageModels.enable is off.",
          'Turn On',
        );
        if (choice !== 'Turn On') return;
        await config.write('languageModels.enable', true);
      }
      const known = new Set(await vscode.commands.getCommands(true));
      const command = MANAGE_COMMANDS.find((id) => known.has(id));
      if (!command) {
        throw new HearthError(
          'notFound',
          `This VS Code (${vscode.version}) has no model management command; pick Hearth's models in the chat's model picker.`,
          { actions: ['showLog'] },
        );
      }
      await vscode.commands.executeCommand(command);
    },
  });

  return { provider, registered: () => !!registration };
}
