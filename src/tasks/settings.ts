// The editor commands' typed settings, read through the one Config reader.
import type { Config } from '../config';
import type { Logger } from '../core/types';

/** The defaults of `hearth.tasks.*`, as package.json declares them (a unit test compares the two). */
export const TASK_DEFAULTS = {
  'tasks.temperature': null,
} as const;

export interface TaskSettings {
  /** The user's temperature; unset: 0 (the retry adds a little). */
  temperature?: number;
}

export function taskSettings(config: Pick<Config, 'read'>, log?: Logger): TaskSettings {
  const value = config.read<unknown>('tasks.temperature', TASK_DEFAULTS['tasks.temperature']);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2) return { temperature: value };
  if (value !== null && value !== undefined)
    log?.warn(`settings: hearth.tasks.temperature has an invalid value ${JSON.stringify(value)}; 0 is used`);
  return {};
}
