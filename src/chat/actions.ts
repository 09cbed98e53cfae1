// What the chat's buttons do in the editor: copy, insert a code block at the
// cursor, open it in a new editor with its language, open a link (only after
// a confirmation that shows the real URL), export a conversation.
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Logger } from '../core/types';
import type { ChatUi } from './ui';

/** Fence names models write, mapped to VS Code language ids. */
const LANGUAGE_IDS: Record<string, string> = {
  ts: 'typescript',
  typescript: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  javascript: 'javascript',
  jsx: 'javascriptreact',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  py: 'python',
  python: 'python',
  python3: 'python',
  rb: 'ruby',
  ruby: 'ruby',
  rs: 'rust',
  rust: 'rust',
  go: 'go',
  golang: 'go',
  java: 'java',
  kt: 'kotlin',
  kotlin: 'kotlin',
  cs: 'csharp',
  csharp: 'csharp',
  'c#': 'csharp',
  c: 'c',
  h: 'c',
  cpp: 'cpp',
  'c++': 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  sh: 'shellscript',
  bash: 'shellscript',
  shell: 'shellscript',
  zsh: 'shellscript',
  console: 'shellscript',
  ps1: 'powershell',
  powershell: 'powershell',
  md: 'markdown',
  markdown: 'markdown',
  yml: 'yaml',
  yaml: 'yaml',
  json: 'json',
  jsonc: 'jsonc',
  html: 'html',
  xml: 'xml',
  svg: 'xml',
  css: 'css',
  scss: 'scss',
  less: 'less',
  sql: 'sql',
  swift: 'swift',
  php: 'php',
  lua: 'lua',
  dockerfile: 'dockerfile',
  docker: 'dockerfile',
  makefile: 'makefile',
  make: 'makefile',
  ini: 'ini',
  toml: 'toml',
  diff: 'diff',
  patch: 'diff',
  text: 'plaintext',
  txt: 'plaintext',
  plaintext: 'plaintext',
  vue: 'vue',
  r: 'r',
  dart: 'dart',
  scala: 'scala',
  perl: 'perl',
  hs: 'haskell',
  haskell: 'haskell',
};

/** The VS Code language id for a fence's language word ('plaintext' when unknown). */
export async function languageIdFor(fence: string | undefined): Promise<string> {
  const word = (fence ?? '').toLowerCase();
  if (!word) return 'plaintext';
  const mapped = LANGUAGE_IDS[word];
  if (mapped) return mapped;
  const known = await vscode.languages.getLanguages();
  return known.includes(word) ? word : 'plaintext';
}

export async function copyText(text: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
}

/** Replaces the selections of `editor` with `code` (inserts at the cursors when nothing is selected). */
export async function insertAtCursor(editor: vscode.TextEditor | undefined, code: string, ui: ChatUi): Promise<boolean> {
  if (!editor) {
    ui.info('Hearth: open an editor and place the cursor where the code should go.');
    return false;
  }
  const ok = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, code);
  });
  if (ok) await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  return ok;
}

export async function openInNewFile(code: string, fence: string | undefined): Promise<vscode.TextDocument> {
  const language = await languageIdFor(fence);
  const doc = await vscode.workspace.openTextDocument({ content: code, language });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** Schemes a chat link may open. */
const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * Opens a link from a reply after the user confirmed the full URL (what the
 * text of a Markdown link says can differ from where it goes).
 */
export async function openLink(url: string, ui: ChatUi, log: Logger): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ui.info(`Hearth: not a valid link: ${url.slice(0, 200)}`);
    return false;
  }
  if (!LINK_SCHEMES.has(parsed.protocol)) {
    ui.info(`Hearth: links of type ${parsed.protocol} are not opened from the chat.`);
    return false;
  }
  const ok = await ui.confirm('Open this link from the chat?', parsed.href, 'Open Link');
  if (!ok) return false;
  log.info(`opening link ${parsed.href}`);
  return vscode.env.openExternal(vscode.Uri.parse(parsed.href, true));
}

/** A file name from a conversation title. */
export function exportFileName(title: string): string {
  const base =
    title
      .replace(/[^\p{L}\p{N} _-]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60) || 'chat';
  return `${base}.md`;
}

/** Asks where to save `markdown`, writes it and opens it. */
export async function saveMarkdown(markdown: string, title: string, ui: ChatUi): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const target = await ui.saveTarget(vscode.Uri.joinPath(folder, exportFileName(title)));
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(markdown));
  await vscode.window.showTextDocument(target, { preview: false });
  return target;
}
