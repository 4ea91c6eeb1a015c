/**
 * The exporter's V8 young generation, capped. Node 24 sizes the young generation from the machine's
 * memory (on a 24 GB host up to 64 MB per semi-space, 128 MB in all) and grows it whenever many
 * objects survive a collection, which a start-up with 1,000 accounts and every state-file write do:
 * the exporter then sat at 190-220 MB resident, most of it an empty young generation. With
 * `--max-semi-space-size=4` it needed 152-156 MB with 1,000 accounts; V8's `--optimize-for-size`
 * (heaps grown less eagerly and given back sooner, less optimised code kept) takes that to about
 * 135-140 MB, for a little more collector and interpreter work that `npm run bench` shows costs the
 * scrapes nothing measurable (docs/benchmarks.md).
 *
 * Likewise glibc's malloc gives each thread that allocates (V8's helper threads, libuv's thread pool,
 * the basic-auth bcrypt worker) its own arena and keeps what was freed there: MALLOC_ARENA_MAX=2
 * (unless set) saved 5-8 MB more at 1,000 accounts. Other C libraries ignore the variable.
 *
 * Both only work when given at start, so `captcha-runway exporter` re-executes itself with them
 * (process.execve: the same process, PID and open files; nothing has been done yet). It is skipped
 * when a --max-semi-space-size is already given (on the command line or in NODE_OPTIONS: the
 * operator's choice wins) and where process.execve does not exist (Windows).
 */
export const EXPORTER_SEMI_SPACE_MB = 4;
/** Given with the semi-space size (and, like it, left out when the operator chose their own). */
export const EXPORTER_V8_FLAGS = [`--max-semi-space-size=${EXPORTER_SEMI_SPACE_MB}`, "--optimize-for-size"] as const;
export const EXPORTER_MALLOC_ARENA_MAX = "2";

const FLAG = "--max-semi-space-size";

/** The command named in argv: the first argument that is not an option. */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith("-"));
}

export function exporterNeedsFlags(argv: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  if (commandOf(argv) !== "exporter") return false;
  const given = (s: string) => s === FLAG || s.startsWith(`${FLAG}=`) || s === "--max_semi_space_size" || s.startsWith("--max_semi_space_size=");
  if (execArgv.some(given)) return false;
  if ((nodeOptions ?? "").split(/\s+/).some(given)) return false;
  return true;
}

/** Re-executes this process with the exporter's flags when needed; returns only when it does not. */
export function reexecWithExporterFlags(argv: readonly string[]): void {
  if (typeof process.execve !== "function") return;
  if (!exporterNeedsFlags(argv, process.execArgv, process.env.NODE_OPTIONS)) return;
  const script = process.argv[1];
  if (!script) return;
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? EXPORTER_MALLOC_ARENA_MAX };
  process.execve(process.execPath, [process.execPath, ...EXPORTER_V8_FLAGS, ...process.execArgv, script, ...argv], env);
}
