/**
 * Runs every bench/*.bench.ts in sequence with this Node (`npm run bench`), printing their output.
 * Exits 1 if any benchmark fails.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`== ${file}`);
  const r = spawnSync(process.execPath, [join(dir, file)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`== ${file} failed (${r.signal ?? `exit ${r.status}`})`);
  }
}
if (files.length === 0) console.log("no bench/*.bench.ts files");
process.exitCode = failed > 0 ? 1 : 0;
