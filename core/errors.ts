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

/** Why a file could not be read, in words: "no such file", "permission denied", "it is a directory"… */
export function fileErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "ENOTDIR":
      return "a directory on its path is a file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return code ?? (err as Error)?.message ?? "unreadable";
  }
}

/**
 * A failure to listen on `address` (`127.0.0.1:9877`, `*:9877`) as a plain sentence with what to do,
 * `flag` naming the setting; undefined for errors other than the address's.
 */
export function listenErrorMessage(err: unknown, address: string, flag: string): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "EADDRINUSE") return `cannot listen on ${address}: the address is already in use (another process listens there); stop it or choose another ${flag}`;
  if (code === "EACCES") return `cannot listen on ${address}: permission denied (ports below 1024 need privileges); choose a port from 1024 up with ${flag}`;
  if (code === "EADDRNOTAVAIL") return `cannot listen on ${address}: this machine has no interface with that address; choose one it has with ${flag}`;
  return undefined;
}
