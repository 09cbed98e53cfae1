// Inline completion in VS Code: the provider for every file, untitled and
// remote document, the engine session for the selected completion model, the
// extra-context ring fed from editor events, the status bar, and the
// Toggle / Snooze / Trigger commands.
import * as vscode from 'vscode';
import { ExtraRing } from '../core/completion/ring';
import { registerCommands } from '../commands';
import type { Services } from '../services';
import type { FilePolicy } from '../filePolicy';
import { CompletionGate, pickSnooze } from './gate';
import { ACCEPTED_COMMAND, CompletionProvider } from './provider';
import { RingFeeder } from './ringFeeder';
import { promptFileName } from './snapshot';
import { CompletionSession } from './session';
import { readCompletionSettings, type CompletionUserSettings } from './settings';
import { CompletionStatus } from './status';

/** What completion exposes on HearthApi (for Hearth's own integration tests). */
export interface CompletionApi {
  session: CompletionSession;
  provider: CompletionProvider;
  gate: CompletionGate;
  status: CompletionStatus;
  ring: ExtraRing;
  feeder: RingFeeder;
  /** The file policy shared with the chat (what may go into the extra context). */
  files: FilePolicy;
  settings(): CompletionUserSettings;
}

export const SELECTOR: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }];

export function registerCompletion(services: Services): CompletionApi {
  const { disposables: d, config, registry, choice, state, statusBar, watch } = services;
  const log = services.log.child('completion');
  const warned = new Set<string>();
  let settings = readCompletionSettings(config, (m) => warnOnce(m));
  function warnOnce(message: string): void {
    if (warned.has(message)) return;
    warned.add(message);
    log.warn(message);
  }

  const ring = new ExtraRing();
  const gate = d.add(new CompletionGate(state, () => settings.enable));
  const session = d.add(
    new CompletionSession({
      registry,
      ring,
      log,
      selected: () => choice.get('completion'),
      settings: () => settings,
      workspaceName: () => vscode.workspace.name,
    }),
  );
  const status = new CompletionStatus(statusBar, gate, () => session.state, log);
  d.add(statusBar.contribute(status.contribution()));
  d.add(
    session.onDidRequest((s) => {
      status.stats(s);
      if (s.error) watch.failed(s.error); // nothing answered: look for the server again
    }),
  );
  d.add(session.onDidChangeBusy((delta) => status.busyDelta(delta)));
  d.add(
    session.onDidImprove((at) => {
      // The rest of a suggestion shown by its first lines arrived: ask the editor again if the cursor is still there.
      const editor = vscode.window.activeTextEditor;
      const cursor = editor?.selection;
      if (!editor || !cursor?.isEmpty || editor.selections.length !== 1) return;
      if (promptFileName(editor.document.uri) !== at.fileName || cursor.active.line !== at.line || cursor.active.character !== at.character)
        return;
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }),
  );
  d.add(
    vscode.workspace.onDidChangeTextDocument((e) => {
      // A keystroke in the editor being typed in: the debounce counts from here, not from when VS Code asks.
      if (e.contentChanges.length > 0 && e.document === vscode.window.activeTextEditor?.document) session.engine?.noteEdit();
    }),
  );
  const feeder = d.add(
    new RingFeeder({
      ring,
      files: services.files,
      log,
      enabled: () => settings.extraContext,
      onChanged: () => session.engine?.ringChanged(),
      onActivity: () => session.engine?.noteActivity(),
    }),
  );

  const provider = d.add(
    new CompletionProvider({
      session,
      gate,
      settings: () => settings,
      onNoModel: () => offerModel(),
      onTyping: () => watch.typed(),
      log,
    }),
  );
  d.add(vscode.languages.registerInlineCompletionItemProvider(SELECTOR, provider));

  /**
   * Once per installation, and only when there is a choice to make (several
   * models can fill in the middle; with one, it is used): no nagging.
   */
  function offerModel(): void {
    if (state.get('completionModelOffered')) return;
    const current = session.state;
    if (current.kind !== 'off' || (current.choices ?? 0) < 2) return;
    void state.set('completionModelOffered', true);
    status.notify({
      kind: 'noModel',
      message: 'Hearth: no completion model is selected, so there is no inline completion.',
      actions: [{ label: 'Select Completion Model', run: () => vscode.commands.executeCommand('hearth.selectCompletionModel') }],
    });
  }

  const update = () => void session.update();
  d.add(registry.onDidChange(update));
  d.add(
    choice.onDidChange((purpose) => {
      if (purpose !== 'completion') return;
      status.clearError();
      update();
    }),
  );
  d.add(services.keys.onDidChange(() => session.keysChanged()));
  d.add(
    config.onDidChange((change) => {
      if (!change.affects('completion')) return;
      settings = readCompletionSettings(config, (m) => warnOnce(m));
      if (!settings.extraContext) ring.clear();
      update();
      status.render();
    }),
  );
  d.add(
    session.onDidChange((state) => {
      if (state.kind === 'off' && (state.reason === 'noTemplate' || state.reason === 'noFim' || state.reason === 'failed')) {
        status.notify({
          kind: `state:${state.reason}:${state.ref?.model ?? ''}`,
          message: `Hearth completion: ${state.message}`,
          actions: [
            {
              label: 'Open Settings',
              run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.completion.template'),
            },
            { label: 'Select Completion Model', run: () => vscode.commands.executeCommand('hearth.selectCompletionModel') },
          ],
        });
      }
      status.render();
    }),
  );
  d.add(gate.onDidChange(() => status.render()));

  registerCommands(d, log, {
    'hearth.toggleCompletions': async () => {
      const on = await gate.toggle();
      vscode.window.setStatusBarMessage(`Hearth: inline completion ${on ? 'on' : 'off'}`, 3000);
    },
    'hearth.snoozeCompletions': async (minutes?: unknown) => {
      // A number argument snoozes without asking (keybindings, tests).
      if (typeof minutes === 'number') await gate.snooze(minutes);
      else await pickSnooze(gate);
    },
    'hearth.triggerCompletion': () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'),
    [ACCEPTED_COMMAND]: () => session.engine?.accepted(),
  });

  update();
  status.render();
  return { session, provider, gate, status, ring, feeder, files: services.files, settings: () => settings };
}
