/**
 * For the benches that run the built exporter as a child: `npm run build` first, so the child runs the
 * sources as they are, then the bench; the process exits 1 when the build or a target fails.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export async function runAfterBuild(bench: () => Promise<number>): Promise<void> {
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) {
    console.error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    process.exitCode = 1;
    return;
  }
  process.exitCode = await bench();
}
