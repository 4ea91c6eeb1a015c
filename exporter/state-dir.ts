/**
 * Start-up check of the state file's directory: the exporter's writes are atomic (a temporary file
 * beside the target, then a rename), so the directory itself must take a new file. When it cannot —
 * a read-only volume, a directory owned by another user, a missing path — the exporter refuses to
 * start (exit 2) naming the path and why, instead of running without the spend history it was asked
 * to keep.
 */
import { randomBytes } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../core/errors.ts";

const WHY: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOENT: "no such directory",
  ENOTDIR: "a parent is not a directory",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
};

function whoAmI(): string {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === undefined ? "" : `, running as uid ${uid} gid ${gid}`;
}

/** Throws an InputError when no file can be created next to `stateFile`. */
export async function assertStateDirWritable(stateFile: string): Promise<void> {
  const dir = dirname(resolve(stateFile));
  const probe = join(dir, `.${basename(stateFile)}.probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const fh = await open(probe, "wx", 0o600);
    await fh.close();
    await unlink(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new InputError(
      `--state.file ${stateFile}: cannot create files in ${dir} (${WHY[code] ?? code}${whoAmI()}); ` +
        "make that directory writable by this user, choose another --state.file, or pass --state.file '' to keep no state",
    );
  }
}
