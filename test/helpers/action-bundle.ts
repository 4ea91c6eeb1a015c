/**
 * Runs the committed action bundle exactly as the runner does: `node dist/index.js` (Node 24) with
 * INPUT_* variables and fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files in `dir`.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");

export interface BundleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The GITHUB_OUTPUT file as written, and parsed. */
  readonly outputText: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface BundleOptions {
  /** Where the output and summary files go. */
  readonly dir: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** The fake GitHub the tracking issue talks to. */
  readonly github: { readonly url: string; readonly repository: string };
  readonly serverUrl?: string;
  /** More environment (a proxy, extra CAs), on top of the runner's variables. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Parses the GITHUB_OUTPUT file (`name<<DELIM`, value lines, `DELIM`). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join("\n");
  }
  return out;
}

let runs = 0;

export async function runActionBundle(o: BundleOptions): Promise<BundleRun> {
  runs++;
  const outputFile = join(o.dir, `output-${process.pid}-${runs}`);
  const summaryFile = join(o.dir, `summary-${process.pid}-${runs}`);
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: o.dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: o.github.repository,
    GITHUB_API_URL: o.github.url,
    GITHUB_SERVER_URL: o.serverUrl ?? "https://github.example",
    GITHUB_RUN_ID: "42",
    ...o.env,
  };
  for (const [name, value] of Object.entries(o.inputs)) env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(NODE, ["dist/index.js"], { cwd: ROOT, env, timeout: o.timeoutMs ?? 20_000 }, (err, out, errOut) => {
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut });
    });
  });
  const outputText = await readFile(outputFile, "utf8");
  return { code, stdout, stderr, outputText, outputs: parseOutputs(outputText), summary: await readFile(summaryFile, "utf8") };
}
