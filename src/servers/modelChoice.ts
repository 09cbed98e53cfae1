import { Emitter } from '../core/events';
import type { Purpose } from '../core/servers/modelList';
import type { ModelRef } from '../core/servers/types';
import type { GlobalState } from '../globalState';

const NAMES = { chat: 'chatModel', completion: 'completionModel', task: 'taskModel' } as const;

/** The chosen chat, completion and task models, kept in global state across reloads. */
export class ModelChoice {
  private readonly changed = new Emitter<Purpose>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: GlobalState) {}

  get(purpose: Purpose): ModelRef | undefined {
    return this.state.get(NAMES[purpose]);
  }

  async set(purpose: Purpose, ref: ModelRef | undefined): Promise<void> {
    await this.state.set(NAMES[purpose], ref);
    this.changed.fire(purpose);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
