// Which files the editor commands never send to a model: the project's one
// rule for secret-looking files. Kept in this one function so that the
// shared file policy can replace it in one place.
import { isSecretLooking } from '../secretFiles';

/** True when a file's content must not go to the model (it is only named). */
export function isWithheld(path: string): boolean {
  return isSecretLooking(path);
}
