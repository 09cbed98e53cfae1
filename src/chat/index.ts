// The sidebar chat feature: history under the extension's global storage,
// the controller, the `hearth.chat` webview view, and its commands.
import * as vscode from 'vscode';
import type { FileOps } from '../core/chat/files';
import { HistoryStore } from '../core/chat/history';
import { registerCommands } from '../commands';
import type { Services } from '../services';
import { ChatController } from './controller';
import type { ReplyLimits } from './generate';
import { Attachments } from './attachments';
import { chatSettings } from './settings';
import { defaultUi, type ChatUi } from './ui';
import { ChatView, VIEW_ID } from './view';
import { ChatTools } from './tools';

/** What the chat exposes on HearthApi (for Hearth's own integration tests). */
export interface ChatApi {
  controller: ChatController;
  view: ChatView;
  history: HistoryStore;
  attachments: Attachments;
  /** The dialogs; tests replace its methods. */
  ui: ChatUi;
  /** The folder the history lives in. */
  storageDir: vscode.Uri;
  /** A second controller over the same storage, as after a reload (tests; dispose it). `fileOps` simulates a failing disk. */
  openAnotherController(options?: { fileOps?: FileOps }): ChatController & { history: HistoryStore };
  /** The bounds of a reply; tests shorten them (empty: the defaults). */
  limits: Partial<ReplyLimits>;
  /** The tools the model may call (workspace reading, propose_edit). */
  tools: ChatTools;
  /** Stops the reply, writes the draft and what is unsaved; `deactivate` waits for it. */
  shutdown(): Promise<void>;
}

export function registerChat(services: Services): ChatApi {
  const { context, disposables: d, log: baseLog, registry, choice, config, watch } = services;
  const log = baseLog.child('chat');
  const storageDir = vscode.Uri.joinPath(context.globalStorageUri, 'chat');
  // The methods are looked up on each call, so tests can replace them.
  const ui: ChatUi = defaultUi();
  const proxyUi: ChatUi = {
    confirm: (...a) => ui.confirm(...a),
    pickFiles: (...a) => ui.pickFiles(...a),
    saveTarget: (...a) => ui.saveTarget(...a),
    info: (...a) => ui.info(...a),
  };
  const attachments = d.add(new Attachments(proxyUi, log, services.files));
  const limits: Partial<ReplyLimits> = {};
  const tools = new ChatTools({ files: services.files, proposals: services.proposals, log, editor: () => attachments.lastEditor });

  const makeController = (options: { fileOps?: FileOps } = {}) => {
    const history = new HistoryStore(storageDir.fsPath, {
      log,
      onProblem: (message) => void vscode.window.showWarningMessage(`Hearth: ${message}`),
      fileOps: options.fileOps,
    });
    const controller = new ChatController({
      history,
      registry,
      choice,
      attachments,
      ui: proxyUi,
      log,
      settings: () => chatSettings(config, log),
      lookout: watch,
      limits,
    });
    return Object.assign(controller, { history });
  };
  const controller = d.add(makeController());
  controller.ready.catch((err: unknown) => log.error('chat history could not be loaded', err));
  const view = d.add(new ChatView(context.extensionUri, controller, log));
  d.add(vscode.window.registerWebviewViewProvider(VIEW_ID, view));
  // The chat shown or used counts as Hearth in use: missing servers are looked for meanwhile.
  watch.watchChat(() => view.visible);
  d.add(view.onDidUse(() => watch.chatActivity()));

  d.add(attachments.onDidChange(() => controller.postState()));
  d.add(registry.onDidChange(() => controller.postState()));
  d.add(choice.onDidChange(() => controller.postState()));

  // Each command waits for the history to load first.
  const afterLoad = (run: () => unknown) => async () => {
    await controller.ready;
    return run();
  };
  registerCommands(d, log, {
    'hearth.chat.askAboutSelection': afterLoad(async () => {
      if (await attachments.addSelection(vscode.window.activeTextEditor ?? attachments.lastEditor)) await view.reveal();
    }),
    'hearth.chat.newChat': afterLoad(async () => {
      await controller.newChat();
      await view.reveal();
    }),
    'hearth.chat.attachFile': afterLoad(async () => {
      await attachments.pickFiles();
      await view.reveal();
    }),
    'hearth.chat.exportMarkdown': afterLoad(() => controller.exportConversation(controller.current.id)),
  });

  return {
    controller,
    view,
    history: controller.history,
    attachments,
    ui,
    storageDir,
    openAnotherController: makeController,
    limits,
    tools,
    shutdown: () => controller.shutdown(),
  };
}
