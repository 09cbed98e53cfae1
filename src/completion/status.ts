// Completion on the Hearth status bar item: a spinner while a request runs,
// an icon when completions are off or snoozed, and a tooltip with the last
// request's numbers (prompt ms, generation ms, tokens, from cache or not),
// the backend and the FIM template in use, or why there is no completion.
// Errors go there too; a notification appears at most once per kind of
// error per session, with its actions — never on every keystroke.
import * as vscode from 'vscode';
import { ACTION_LABELS, runAction } from '../errorUi';
import type { ErrorAction, HearthError } from '../core/errors';
import { describeCompletion, type CompletionStats } from '../core/completion/stats';
import type { Logger } from '../core/types';
import type { StatusBar, StatusContribution, StatusPart } from '../statusBar';
import type { CompletionGate } from './gate';
import type { SessionState } from './session';

/** A notification to show: the message and its buttons (label → what to run). */
export interface Notice {
  kind: string;
  message: string;
  actions: { label: string; run: () => unknown }[];
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export class CompletionStatus {
  private busy = 0;
  private last?: { stats: CompletionStats; at: number };
  private error?: HearthError;
  private readonly shownKinds = new Set<string>();
  /** Notifications shown this session, by kind (tests read it). */
  readonly notices: Notice[] = [];

  constructor(
    private readonly statusBar: StatusBar,
    private readonly gate: CompletionGate,
    private readonly state: () => SessionState,
    private readonly log: Logger,
  ) {}

  get inFlight(): number {
    return this.busy;
  }

  get lastStats(): CompletionStats | undefined {
    return this.last?.stats;
  }

  get lastError(): HearthError | undefined {
    return this.error;
  }

  busyDelta(delta: number): void {
    this.busy = Math.max(0, this.busy + delta);
    this.render();
  }

  /** One request's stats from the engine. */
  stats(s: CompletionStats): void {
    const line = `completion ${s.kind} #${s.id}: ${s.outcome}${s.error ? '' : ` — ${describeCompletion(s)}`}${s.latencyMs !== undefined ? ` (latency ${s.latencyMs} ms)` : ''}`;
    if (s.outcome === 'error' && s.error) {
      this.log.warn(`${line}: ${s.error.toLogString()}`);
      if (s.kind === 'warmup') return; // a failed warm-up changes nothing the user sees
      this.error = s.error;
      this.notifyError(s.error);
    } else {
      this.log.debug(line);
      if (s.outcome === 'shown' || s.outcome === 'empty' || s.outcome === 'unseen' || s.outcome === 'cache' || s.outcome === 'typed') {
        this.last = { stats: s, at: Date.now() };
        this.error = undefined;
      }
    }
    this.render();
  }

  /** Forgets the last error (a new model was chosen). */
  clearError(): void {
    this.error = undefined;
    this.render();
  }

  /** The tooltip text (also shown in the Hearth menu's status line). */
  tooltip(): string {
    const lines: string[] = [];
    const until = this.gate.snoozedUntil;
    if (this.gate.off) lines.push('Inline completion: off (Hearth: Toggle Completions turns it on; Alt+\\ still asks once)');
    else if (until !== undefined) lines.push(`Inline completion: snoozed until ${clock(until)}`);
    else lines.push('Inline completion: on');
    const state = this.state();
    if (state.kind === 'ready') {
      lines.push(
        state.automatic
          ? `Completion model: ${state.ref.model} (${state.ref.server}), used because it is the only model that can fill in the middle; Select Completion Model picks another`
          : `Completion model: ${state.ref.model} (${state.ref.server})`,
      );
      lines.push(`Backend: ${state.backend}`);
      lines.push(`FIM template: ${state.template}`);
      const speed = state.engine.speed.describe();
      if (speed) lines.push(`Server speed: ${speed}`);
      const miss = state.engine.lastMiss;
      if (miss && (!this.last || miss.at > this.last.at)) lines.push(`No suggestion at ${clock(miss.at)}: ${miss.message}`);
      lines.push(`Context: ${state.context}`);
    } else {
      lines.push(state.message);
    }
    if (this.busy > 0) lines.push('A completion request is running…');
    if (this.last) {
      const s = this.last.stats;
      const source = s.fromCache ? '' : ' · not from cache';
      lines.push(
        `Last completion (${clock(this.last.at)}): ${describeCompletion(s)}${source}${s.outcome === 'empty' ? ' · nothing to show' : ''}`,
      );
    }
    return lines.join('\n\n');
  }

  /** Completion's part of the status bar item: the completion model, what completion is doing, its last error. */
  contribution(): StatusContribution {
    return {
      order: 10,
      render: () => this.part(),
      menu: [
        { label: '$(circle-slash) Toggle Completions', command: 'hearth.toggleCompletions', order: 30 },
        { label: '$(clock) Snooze Completions…', command: 'hearth.snoozeCompletions', order: 31 },
      ],
    };
  }

  private part(): StatusPart {
    let activityIcon: string | undefined;
    if (this.busy > 0) activityIcon = '$(loading~spin)';
    else if (this.gate.off) activityIcon = '$(circle-slash)';
    else if (this.gate.snoozedUntil !== undefined) activityIcon = '$(clock)';
    const state = this.state();
    const ref = state.ref;
    const label = !ref ? 'no model' : state.kind === 'ready' && state.automatic ? `${ref.model} (auto)` : ref.model;
    const tooltip = this.error ? [`Last error: ${this.error.message}`, this.tooltip()] : [this.tooltip()];
    return { label, activityIcon, warning: !!this.error, highlight: !!this.error, tooltip };
  }

  render(): void {
    this.statusBar.update();
  }

  /** Shows `notice` unless one of its kind was shown this session. */
  notify(notice: Notice): void {
    if (this.shownKinds.has(notice.kind)) return;
    this.shownKinds.add(notice.kind);
    this.notices.push(notice);
    void vscode.window.showWarningMessage(notice.message, ...notice.actions.map((a) => a.label)).then((choice) => {
      const action = notice.actions.find((a) => a.label === choice);
      if (action) void Promise.resolve(action.run()).catch((err: unknown) => this.log.error('completion: action failed', err));
    });
  }

  private notifyError(error: HearthError): void {
    if (error.code === 'aborted') return;
    const actions = error.actions.filter((a) => a !== 'retry').map((a) => this.action(a, error));
    this.notify({ kind: `error:${error.code}`, message: `Hearth completion: ${error.message}`, actions });
  }

  private action(a: ErrorAction, error: HearthError): Notice['actions'][number] {
    if (a === 'selectModel')
      return { label: 'Select Completion Model', run: () => vscode.commands.executeCommand('hearth.selectCompletionModel') };
    if (a === 'openSettings' && /template/i.test(error.message)) {
      return {
        label: ACTION_LABELS.openSettings,
        run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.completion.template'),
      };
    }
    return { label: ACTION_LABELS[a], run: () => runAction(a, { serverName: error.serverName }) };
  }
}
