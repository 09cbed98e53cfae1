// The provider's typed setting, read through the one Config reader.
import type { Config } from '../config';
import type { Logger } from '../core/types';

/** The defaults of `hearth.languageModels.*`, as package.json declares them (a unit test compares the two). */
export const LM_DEFAULTS = {
  'languageModels.enable': true,
} as const;

/** Whether Hearth offers its models to VS Code's chat; a value of the wrong type counts as the default (logged). */
export function lmEnabled(config: Pick<Config, 'read'>, log?: Logger): boolean {
  const value = config.read<unknown>('languageModels.enable', LM_DEFAULTS['languageModels.enable']);
  if (typeof value === 'boolean') return value;
  log?.warn(`settings: hearth.languageModels.enable has an invalid value ${JSON.stringify(value)}; on is used`);
  return LM_DEFAULTS['languageModels.enable'];
}
