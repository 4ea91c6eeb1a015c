/**
 * Builds the action's committed bundle: dist/index.js, the file the runner executes (`runs.main` in
 * action.yml); dist/tracking.js, the tracking issue's GitHub client (Octokit), which index.js loads
 * only when `tracking-issue` is on, so the plain gate never reads or evaluates it; and dist/undici.js,
 * the one copy of undici both of them require.
 * Usage: node action/build/bundle.ts [OUTFILE]   (npm run bundle; .ci/check-dist.sh builds into a
 * temporary folder and compares). Beside them, licenses.txt holds the licence of every bundled package.
 * The output is deterministic: no timestamps, no absolute paths, no source map.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outfile = process.argv[2] ?? "dist/index.js";
const trackingFile = join(dirname(outfile), "tracking.js");
const undiciFile = join(dirname(outfile), "undici.js");

/** In index.js, `import("./github-api.ts")` becomes `require("./tracking.js")`, resolved at run time. */
const trackingApart: Plugin = {
  name: "tracking-issue-apart",
  setup(b) {
    b.onResolve({ filter: /^\.\/github-api\.ts$/ }, (args) =>
      args.kind === "dynamic-import" ? { path: "./tracking.js", external: true } : undefined,
    );
  },
};

/** `undici` (from core/http.ts, @actions/http-client, @actions/github) is dist/undici.js, loaded once. */
const sharedUndici: Plugin = {
  name: "shared-undici",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "./undici.js", external: true }));
  },
};

const common: BuildOptions = {
  absWorkingDir: root,
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
  metafile: true,
};

const results = await Promise.all([
  build({ ...common, entryPoints: ["action/index.ts"], outfile, plugins: [trackingApart, sharedUndici] }),
  build({ ...common, entryPoints: ["action/github-api.ts"], outfile: trackingFile, plugins: [sharedUndici] }),
  build({ ...common, entryPoints: ["action/build/undici-entry.cjs"], outfile: undiciFile }),
]);
if (results.some((r) => r.errors.length > 0)) process.exit(1);
const metafiles = results.map((r) => r.metafile as Metafile);

// The licence texts of the bundled packages, in name order (their notices must travel with the code).
const packages = new Set<string>();
for (const meta of metafiles) {
  for (const input of Object.keys(meta.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
    if (m) packages.add(input.slice(0, m.index) + `node_modules/${m[1]}`);
  }
}
const notices = [...packages]
  .sort((a, b) => a.replace(/.*node_modules\//, "").localeCompare(b.replace(/.*node_modules\//, "")) || a.localeCompare(b))
  .map((path) => {
    const dir = join(root, path);
    const name = path.replace(/.*node_modules\//, "");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string; license?: string };
    const file = readdirSync(dir).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8").trim() : "(no licence file)";
    return `${name}@${pkg.version ?? "?"} (${pkg.license ?? "unknown"})\n\n${text}\n`;
  });
writeFileSync(resolve(root, dirname(outfile), "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
writeFileSync(resolve(root, dirname(outfile), "licenses.txt"), `${[...new Set(notices)].join("\n---\n\n")}`);
for (const meta of metafiles) {
  for (const [file, o] of Object.entries(meta.outputs)) console.log(`${file}: ${(o.bytes / 1024).toFixed(0)} KiB`);
}
