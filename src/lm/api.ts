// The part of VS Code's language-model provider API (stable since VS Code
// 1.104) that Hearth uses, declared here because Hearth builds against the
// 1.100 API types (its tested minimum). `lmRegistrar()` finds the API at run
// time: undefined on a VS Code without it, and the rest of Hearth runs on.
import * as vscode from 'vscode';

/** `vscode.LanguageModelChatInformation`. */
export interface LmChatInformation {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly tooltip?: string;
  readonly detail?: string;
  readonly capabilities: { readonly imageInput?: boolean; readonly toolCalling?: boolean | number };
}

/** `vscode.LanguageModelChatRequestMessage`: role 1 user, 2 assistant, 3 system (a proposal in 1.139). */
export interface LmRequestMessage {
  readonly role: number;
  readonly content: readonly unknown[];
  readonly name: string | undefined;
}

/** `vscode.ProvideLanguageModelChatResponseOptions`. */
export interface LmResponseOptions {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly vscode.LanguageModelChatTool[];
  readonly toolMode?: vscode.LanguageModelChatToolMode;
}

/** `vscode.LanguageModelResponsePart` (what Hearth reports). */
export type LmResponsePart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart;

/** `vscode.LanguageModelChatProvider`. */
export interface LmChatProvider<T extends LmChatInformation = LmChatInformation> {
  readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
  provideLanguageModelChatInformation(options: { readonly silent: boolean }, token: vscode.CancellationToken): vscode.ProviderResult<T[]>;
  provideLanguageModelChatResponse(
    model: T,
    messages: readonly LmRequestMessage[],
    options: LmResponseOptions,
    progress: vscode.Progress<LmResponsePart>,
    token: vscode.CancellationToken,
  ): Thenable<void>;
  provideTokenCount(model: T, text: string | LmRequestMessage, token: vscode.CancellationToken): Thenable<number>;
}

export interface LmRegistrar {
  registerLanguageModelChatProvider(vendor: string, provider: LmChatProvider): vscode.Disposable;
}

/** `vscode.lm` when it can register a provider (VS Code 1.104 and later), else undefined. */
export function lmRegistrar(): LmRegistrar | undefined {
  const lm = vscode.lm as unknown as Partial<LmRegistrar> | undefined;
  return typeof lm?.registerLanguageModelChatProvider === 'function' ? (lm as LmRegistrar) : undefined;
}

/** `vscode.LanguageModelDataPart` (1.105 and later), recognised by its shape. */
export function asDataPart(part: unknown): { mimeType: string; data: Uint8Array } | undefined {
  if (typeof part !== 'object' || part === null) return undefined;
  const p = part as { mimeType?: unknown; data?: unknown };
  return typeof p.mimeType === 'string' && p.data instanceof Uint8Array ? { mimeType: p.mimeType, data: p.data } : undefined;
}

/** A `LanguageModelError` with Hearth's message; `code` as VS Code names its errors (NotFound …) or Hearth's own. */
export function languageModelError(message: string, code: string, cause?: unknown): vscode.LanguageModelError {
  if (code === 'NotFound') return vscode.LanguageModelError.NotFound(message);
  // The class's constructor is (message, code, cause) at run time; the 1.100 types declare only the factories.
  const Ctor = vscode.LanguageModelError as unknown as new (message: string, code?: string, cause?: unknown) => vscode.LanguageModelError;
  return new Ctor(message, code, cause);
}
