/**
 * A bad input from the user (configuration, CLI arguments, action inputs): the message names what was
 * wrong and what was expected. Callers print the message (never a stack) and exit 2.
 */
export class InputError extends Error {
  override readonly name = "InputError";
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}
