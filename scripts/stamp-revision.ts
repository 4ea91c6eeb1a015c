/**
 * Stamps the git revision into the build (`npm run build`, after tsc): writes
 * build/exporter/build-info.json, which exporter/build-info.ts reads beside itself at run time, so an
 * installed package or a container image reports the revision it was built from without a `.git`.
 * The revision is the checkout's HEAD when the package root is a git work tree, else
 * CAPTCHA_RUNWAY_REVISION (a container build passes it as a build argument), else "unknown".
 * Usage: node scripts/stamp-revision.ts [BUILD_DIR]
 */
import { spawnSync } from "node:child_process";
import { realpathSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = resolve(root, process.argv[2] ?? "build");

function git(...args: string[]): string | null {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout.trim() : null;
}

function fromGit(): string | null {
  // Only this checkout's own HEAD: a package unpacked inside some other repository is not that revision.
  const top = git("rev-parse", "--show-toplevel");
  if (!top || realpathSync(top) !== realpathSync(root)) return null;
  const head = git("rev-parse", "HEAD");
  return head && /^[0-9a-f]{40}$/.test(head) ? head.slice(0, 12) : null;
}

function fromEnv(): string | null {
  const v = process.env.CAPTCHA_RUNWAY_REVISION?.trim();
  if (!v) return null;
  if (!/^[0-9A-Za-z._-]{1,64}$/.test(v)) {
    process.stderr.write(`stamp-revision: CAPTCHA_RUNWAY_REVISION must be a git revision (letters, digits, . _ -), got ${JSON.stringify(v.slice(0, 64))}\n`);
    process.exit(2);
  }
  // a full commit hash is shortened like the git case, so every build reports the same form
  return /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 12) : v;
}

const revision = fromGit() ?? fromEnv() ?? "unknown";
writeFileSync(join(outDir, "exporter", "build-info.json"), `${JSON.stringify({ revision })}\n`);
process.stdout.write(`stamp-revision: revision ${revision}\n`);
