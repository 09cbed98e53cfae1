// Whether automatic completion may run: the Toggle switch and the Snooze
// deadline (both kept in global state, so they survive a reload) and the
// per-language `hearth.completion.enable` map. An explicit trigger
// (Hearth: Trigger Completion, Alt+\) is the user asking: it runs anyway.
import * as vscode from 'vscode';
import { Emitter } from '../core/events';
import type { GlobalState } from '../globalState';
import { enabledFor } from './settings';

export type Blocked = 'off' | 'snoozed' | 'language';

export class CompletionGate implements vscode.Disposable {
  private timer?: ReturnType<typeof setTimeout>;
  private readonly changed = new Emitter<void>();
  /** Toggled, snoozed, or a snooze ran out. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: GlobalState,
    private readonly enable: () => Readonly<Record<string, boolean>>,
  ) {
    this.armSnoozeEnd();
  }

  get off(): boolean {
    return this.state.get('completionOff') ?? false;
  }

  /** Date.now() when the snooze ends, or undefined when not snoozed. */
  get snoozedUntil(): number | undefined {
    const until = this.state.get('snoozedUntil');
    return until !== undefined && until > Date.now() ? until : undefined;
  }

  /** Why automatic completion may not run for this language now, if it may not. */
  blocked(languageId: string): Blocked | undefined {
    if (this.off) return 'off';
    if (this.snoozedUntil !== undefined) return 'snoozed';
    if (!enabledFor(this.enable(), languageId)) return 'language';
    return undefined;
  }

  async toggle(): Promise<boolean> {
    const off = !this.off;
    await this.state.set('completionOff', off);
    if (!off) await this.state.set('snoozedUntil', undefined);
    this.changed.fire();
    return !off;
  }

  async setOff(off: boolean): Promise<void> {
    await this.state.set('completionOff', off);
    this.changed.fire();
  }

  /** Snoozes for `minutes`; 0 resumes now. */
  async snooze(minutes: number): Promise<void> {
    await this.state.set('snoozedUntil', minutes > 0 ? Date.now() + minutes * 60_000 : undefined);
    this.armSnoozeEnd();
    this.changed.fire();
  }

  private armSnoozeEnd(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const until = this.snoozedUntil;
    if (until === undefined) return;
    // Timers cap at ~24 days; a snooze is at most an hour.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.changed.fire();
      },
      Math.min(until - Date.now() + 50, 2 ** 31 - 1),
    );
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

export const SNOOZE_CHOICES = [5, 15, 60] as const;

/** The Snooze quick pick: 5, 15 or 60 minutes, and "Resume now" while snoozed. Resolves with the minutes chosen. */
export async function pickSnooze(gate: CompletionGate): Promise<number | undefined> {
  const items: (vscode.QuickPickItem & { minutes: number })[] = SNOOZE_CHOICES.map((m) => ({
    label: m === 60 ? '1 hour' : `${m} minutes`,
    description: `until ${new Date(Date.now() + m * 60_000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`,
    minutes: m,
  }));
  const until = gate.snoozedUntil;
  if (until !== undefined) {
    items.push({
      label: 'Resume now',
      description: `snoozed until ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`,
      minutes: 0,
    });
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Hearth: Snooze Completions',
    placeHolder: 'No automatic inline completion for…',
  });
  if (!pick) return undefined;
  await gate.snooze(pick.minutes);
  return pick.minutes;
}
