import type * as vscode from 'vscode';
import { Emitter } from '../core/events';
import type { ModelRef } from '../core/servers/types';
import type { Purpose } from '../core/servers/modelList';

const KEYS: Record<Purpose, string> = { chat: 'hearth.chatModel', completion: 'hearth.completionModel' };

/** The chosen chat and completion models, persisted in global state across reloads. */
export class ModelChoice {
  private readonly changed = new Emitter<Purpose>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  get(purpose: Purpose): ModelRef | undefined {
    const value = this.state.get<ModelRef>(KEYS[purpose]);
    return value && typeof value.server === 'string' && typeof value.model === 'string' ? value : undefined;
  }

  async set(purpose: Purpose, ref: ModelRef | undefined): Promise<void> {
    await this.state.update(KEYS[purpose], ref);
    this.changed.fire(purpose);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
