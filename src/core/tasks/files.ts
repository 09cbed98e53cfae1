// Which files of a diff the commit message command never sends to a model:
// secret-looking ones, by the same name rule as the file policy (a staged
// or changed file is a workspace file that Git does not ignore, so the
// name is what is left to check). They are named in the prompt, not sent.
import { isSecretLooking } from '../secretFiles';

/** True when a file's content must not go to the model (it is only named). */
export function isWithheld(path: string): boolean {
  return isSecretLooking(path);
}
