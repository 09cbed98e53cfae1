// The chat's tools in VS Code: which are offered, and running one checked
// call (see core/chat/toolCalls.ts) to an outcome. Every tool reaches files
// through the file policy; only propose_edit changes anything, and only
// after the user accepts the diff. A failure inside a tool is its result
// (the model reads what went wrong), never an exception for the chat.
import type * as vscode from 'vscode';
import { TOOL_SPECS, type ToolName, type ToolOutcome } from '../../core/chat/tools';
import type { CheckedToolCall, ToolSpec } from '../../core/chat/toolCalls';
import type { Logger } from '../../core/types';
import type { FilePolicy } from '../../filePolicy';
import type { Proposals } from '../../proposals';
import { proposeEdit, type EditArgs } from './edit';
import { getDiagnostics, getOpenEditors, getSelection } from './editor';
import { findFiles, listDir, readFile, searchText } from './workspace';

export interface ToolDeps {
  files: FilePolicy;
  proposals: Proposals;
  log: Logger;
  /** The editor get_selection reads (the chat view taking focus keeps the last one). */
  editor(): vscode.TextEditor | undefined;
}

export class ChatTools {
  constructor(private readonly deps: ToolDeps) {}

  /** The tools offered to the model, all of them unless `only` names some. */
  specs(only?: readonly string[]): ToolSpec[] {
    return TOOL_SPECS.filter((t) => !only || only.includes(t.name));
  }

  /** Runs one call whose arguments were checked against its tool's schema. */
  async run(call: CheckedToolCall, signal?: AbortSignal): Promise<ToolOutcome> {
    const { files, proposals, log } = this.deps;
    const a = call.args;
    try {
      switch (call.name as ToolName) {
        case 'read_file':
          return await readFile(files, a as { path: string; startLine?: number; endLine?: number });
        case 'list_dir':
          return await listDir(files, a as { path: string });
        case 'find_files':
          return await findFiles(files, a as { glob: string }, signal);
        case 'search_text':
          return await searchText(files, a as { query: string; regex?: boolean; caseSensitive?: boolean; glob?: string }, signal);
        case 'get_diagnostics':
          return await getDiagnostics(files, a as { path?: string });
        case 'get_open_editors':
          return await getOpenEditors(files);
        case 'get_selection':
          return await getSelection(files, this.deps.editor());
        case 'propose_edit':
          return await proposeEdit(files, proposals, a as unknown as EditArgs, signal);
        default:
          return { status: 'refused', content: `Refused: there is no tool named "${call.name}".`, summary: 'unknown tool' };
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn(`tool ${call.name} failed: ${message}`);
      return { status: 'error', content: `The tool failed: ${message}`, summary: 'failed' };
    }
  }
}
