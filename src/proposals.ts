// A proposed change to a file, shown in VS Code's diff editor (the file as
// it is, against the file with the change) with Accept and Reject in the
// editor's title bar and in a notification. Accepting applies the change
// only if the text it replaces is still there. One service for every feature
// that proposes an edit: Fix (tasks) and the chat's propose_edit tool.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from './core/types';

export const PROPOSAL_SCHEME = 'hearth-proposal';

/** A replacement of `range` in `uri`, whose current text is `original`. */
export interface EditProposal {
  uri: vscode.Uri;
  range: vscode.Range;
  original: string;
  replacement: string;
  /** What the change is, e.g. "Fix". */
  label: string;
  /** A sentence for the notification (e.g. the model's explanation). */
  detail?: string;
}

/** accepted: applied; rejected: Reject pressed or the diff closed; stale: the file changed meanwhile, nothing applied. */
export type ProposalOutcome = 'accepted' | 'rejected' | 'stale';

export interface ShownProposal {
  /** The right side of the diff editor. */
  uri: vscode.Uri;
  outcome: Promise<ProposalOutcome>;
}

interface Pending {
  proposal: EditProposal;
  text: string;
  settle(outcome: ProposalOutcome): void;
  settled: boolean;
}

export interface ProposalsUi {
  /** A question with buttons (not modal); resolves with the chosen one. */
  ask(message: string, ...choices: string[]): Promise<string | undefined>;
}

const ACCEPT = 'Accept';
const REJECT = 'Reject';

export class Proposals implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly owned: vscode.Disposable[] = [];
  private counter = 0;

  /** The notification with Accept and Reject; tests replace `ask`. */
  readonly ui: ProposalsUi = { ask: async (message, ...choices) => vscode.window.showInformationMessage(message, ...choices) };

  constructor(private readonly log: Logger) {
    this.owned.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const uri = proposalOf(tab);
          if (uri) void this.settle(uri, 'rejected');
        }
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.pending.get(uri.toString())?.text ?? '';
  }

  /** Opens the diff editor for `p`; the outcome resolves when it is accepted, rejected or closed. */
  async propose(p: EditProposal): Promise<ShownProposal> {
    const doc = await vscode.workspace.openTextDocument(p.uri);
    const text = doc.getText();
    const proposed = text.slice(0, doc.offsetAt(p.range.start)) + p.replacement + text.slice(doc.offsetAt(p.range.end));
    const name = path.basename(p.uri.path) || 'untitled';
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${++this.counter}/${name}`, query: p.uri.toString() });
    let settle!: (outcome: ProposalOutcome) => void;
    const outcome = new Promise<ProposalOutcome>((resolve) => (settle = resolve));
    this.pending.set(uri.toString(), { proposal: p, text: proposed, settle, settled: false });
    await this.updateContext();
    // Settled before the diff editor finished opening (closing its tab early can leave the command pending): go on.
    await Promise.race([
      vscode.commands.executeCommand('vscode.diff', p.uri, uri, `${name}: ${p.label} proposed by Hearth (Accept ✓ or Reject ✕ above)`, {
        preview: false,
      }),
      outcome,
    ]);
    this.log.info(`proposal: ${p.label} for ${p.uri.toString()} lines ${p.range.start.line + 1}-${p.range.end.line + 1} shown`);
    void this.ui.ask(`Hearth: ${p.label} for ${name}${p.detail ? `: ${p.detail}` : ''}`, ACCEPT, REJECT).then((choice) => {
      if (choice === ACCEPT) void this.accept(uri);
      else if (choice === REJECT) void this.reject(uri);
    });
    return { uri, outcome };
  }

  /** The proposals whose diff is open (tests, and the commands' default target). */
  open(): vscode.Uri[] {
    return [...this.pending.keys()].map((k) => vscode.Uri.parse(k));
  }

  /** Applies the proposal shown as `uri` (default: the active or the latest one). */
  async accept(uri?: vscode.Uri): Promise<ProposalOutcome | undefined> {
    const key = this.target(uri);
    const entry = key ? this.pending.get(key) : undefined;
    if (!key || !entry || entry.settled) return undefined;
    const p = entry.proposal;
    const doc = await vscode.workspace.openTextDocument(p.uri);
    if (doc.getText(p.range) !== p.original) {
      void vscode.window.showWarningMessage(
        `Hearth: ${path.basename(p.uri.path)} changed since the ${p.label.toLowerCase()} was proposed; nothing was applied. Run it again.`,
      );
      return this.settle(key, 'stale');
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.uri, p.range, p.replacement);
    if (!(await vscode.workspace.applyEdit(edit))) return this.settle(key, 'stale');
    return this.settle(key, 'accepted');
  }

  async reject(uri?: vscode.Uri): Promise<ProposalOutcome | undefined> {
    const key = this.target(uri);
    return key ? this.settle(key, 'rejected') : undefined;
  }

  dispose(): void {
    for (const key of [...this.pending.keys()]) void this.settle(key, 'rejected');
    for (const d of this.owned) d.dispose();
  }

  /** The key of the proposal a command is about: its argument, the active diff, or the newest one. */
  private target(uri?: vscode.Uri): string | undefined {
    if (uri?.scheme === PROPOSAL_SCHEME) return uri.toString();
    const active = vscode.window.tabGroups.activeTabGroup.activeTab;
    const shown = active ? proposalOf(active) : undefined;
    if (shown && this.pending.has(shown)) return shown;
    return [...this.pending.keys()].pop();
  }

  private async settle(key: string | vscode.Uri, outcome: ProposalOutcome): Promise<ProposalOutcome | undefined> {
    const k = key.toString();
    const entry = this.pending.get(k);
    if (!entry || entry.settled) return undefined;
    entry.settled = true;
    this.pending.delete(k);
    entry.settle(outcome);
    this.log.info(`proposal: ${entry.proposal.label} for ${entry.proposal.uri.toString()} ${outcome}`);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => proposalOf(t) === k);
    if (tabs.length) await vscode.window.tabGroups.close(tabs).then(undefined, () => undefined);
    await this.updateContext();
    return outcome;
  }

  private updateContext(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', 'hearth.proposalOpen', this.pending.size > 0);
  }
}

/** The proposal shown in a tab (its right side's URI as a string), if it is one. */
function proposalOf(tab: vscode.Tab): string | undefined {
  const input = tab.input;
  return input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSAL_SCHEME ? input.modified.toString() : undefined;
}
