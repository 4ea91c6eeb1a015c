/**
 * Builds dist/index.js, the single file the runner executes (`runs.main` in action.yml).
 * Usage: node action/build/bundle.ts [OUTFILE]   (npm run bundle; .ci/check-dist.sh builds to a
 * temporary file and compares). Beside it, licenses.txt holds the licence of every bundled package.
 * The output is deterministic: no timestamps, no absolute paths, no source map.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outfile = process.argv[2] ?? "dist/index.js";

const stubHttpClient: Plugin = {
  name: "stub-actions-http-client",
  setup(b) {
    b.onResolve({ filter: /^@actions\/http-client(\/.*)?$/ }, () => ({
      path: fileURLToPath(new URL("./http-client-stub.ts", import.meta.url)),
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: ["action/index.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  // CommonJS, not ESM: an ES module's `import "node:http"` builds a namespace of every export of the
  // built-in, which alone costs about as much as Node's start-up; require() does not (dist/package.json
  // marks the folder as CommonJS so that runs.main can stay dist/index.js).
  format: "cjs",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  plugins: [stubHttpClient],
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);

// The licence texts of the bundled packages, in name order (their notices must travel with the code).
const packages = new Set<string>();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]!);
}
const notices = [...packages].sort().map((name) => {
  const dir = join(root, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string; license?: string };
  const file = readdirSync(dir).find((f) => /^licen[cs]e(\.|$)/i.test(f));
  const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8").trim() : "(no licence file)";
  return `${name}@${pkg.version ?? "?"} (${pkg.license ?? "unknown"})\n\n${text}\n`;
});
writeFileSync(resolve(root, dirname(outfile), "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
writeFileSync(resolve(root, dirname(outfile), "licenses.txt"), `${notices.join("\n---\n\n")}`);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB`);
