// Shared set-up of the chat integration tests: a fake llama.cpp with the chat
// route, configured as the only server, its model selected, a fresh
// conversation, and every message the host posts to the webview recorded.
import * as vscode from 'vscode';
import type { HostToWebview } from '../../src/core/chat/protocol';
import type { HearthApi } from '../../src/extension';
import { ChatRoutes, mountChat, startLlamaCpp, type ChatScript, type FakeLlamaCpp } from '../fakes';
import { hearth, setUserSetting, useServer } from './helpers';

export const FAKE_MODEL = '/models/fake-chat-q8_0.gguf';
export const SERVER_NAME = 'Chat fake';

export interface ChatFixture {
  api: HearthApi;
  llama: FakeLlamaCpp;
  routes: ChatRoutes;
  /** Everything the host posted to the webview since set-up. */
  posts: HostToWebview[];
  deltas(messageId?: string): Extract<HostToWebview, { type: 'delta' }>[];
  close(): Promise<void>;
}

export async function chatFixture(script: ChatScript = {}, options: { nCtx?: number; tools?: boolean } = {}): Promise<ChatFixture> {
  const api = await hearth();
  const llama = await startLlamaCpp({ model: FAKE_MODEL, nCtx: options.nCtx ?? 4096, tools: options.tools });
  const routes = mountChat(llama, new ChatRoutes(script));
  await useServer(api, { name: SERVER_NAME, kind: 'llamacpp', url: llama.url }, 'chat', FAKE_MODEL);
  const controller = api.chat.controller;
  await controller.ready;
  await controller.stop();
  await controller.newChat();
  const posts: HostToWebview[] = [];
  const listener = controller.onDidPost((m) => posts.push(m));
  const ui = { ...api.chat.ui };
  return {
    api,
    llama,
    routes,
    posts,
    deltas: (id) => posts.filter((m): m is Extract<HostToWebview, { type: 'delta' }> => m.type === 'delta' && (!id || m.messageId === id)),
    async close() {
      listener.dispose();
      Object.assign(api.chat.ui, ui); // undo what the test replaced
      await controller.stop();
      routes.closeAll();
      await llama.close();
    },
  };
}

/** The workspace file `rel` as a Uri. */
export function workspaceFile(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, rel);
}

export async function resetChatSettings(): Promise<void> {
  await setUserSetting('servers', undefined);
  for (const key of ['chat.maxTokens', 'chat.systemPrompt', 'chat.extraBody', 'chat.temperature', 'chat.topP'])
    await setUserSetting(key, undefined);
}

/** A new conversation on the current controller, and every message the host posts to the webview from now on. */
export async function newRecordedChat(api: HearthApi): Promise<{ posts: HostToWebview[]; dispose(): void }> {
  const controller = api.chat.controller;
  await controller.ready;
  await controller.newChat();
  const posts: HostToWebview[] = [];
  const listener = controller.onDidPost((m) => posts.push(m));
  return { posts, dispose: () => listener.dispose() };
}
