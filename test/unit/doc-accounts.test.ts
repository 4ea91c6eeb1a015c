/**
 * The accounts files the README and docs/exporter.md show are ones the exporter accepts: each YAML
 * block with a top-level `accounts` list goes through the configuration parser the exporter uses
 * (core/config.ts parseConfig), with its key files, key variables and CA file pointed at real ones
 * made here (the examples name paths on the reader's machine), everything else as shown.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../core/config.ts";
import { codeBlocks } from "../helpers/markdown.ts";
import { makeTestCa, type TestCa } from "../helpers/test-ca.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = ["README.md", "docs/exporter.md"];
const KEY = "doc0example0key0000000000000000a";

const examples = DOCS.flatMap((file) =>
  codeBlocks(readFileSync(join(ROOT, file), "utf8"))
    .filter((b) => b.lang === "yaml" || b.lang === "yml")
    .map((b) => ({ file, line: b.line, doc: parse(b.text) as unknown }))
    .filter((e) => typeof e.doc === "object" && e.doc !== null && "accounts" in e.doc),
);

const dir = mkdtempSync(join(tmpdir(), "doc-accounts-"));
const keyFile = join(dir, "key");
writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
let ca: TestCa | undefined;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  ca?.remove();
});

describe("accounts files shown in the docs", () => {
  it("are there (the test reads them)", () => {
    for (const file of DOCS) expect(examples.filter((e) => e.file === file).length, file).toBeGreaterThan(0);
  });

  it.each(examples.map((e) => [`${e.file}:${e.line}`, e] as const))("%s parses as the exporter parses it", async (where, e) => {
    const env: NodeJS.ProcessEnv = {};
    const accounts = (e.doc as { accounts: Record<string, unknown>[] }).accounts.map((a) => {
      const local = { ...a };
      if (typeof local.api_key_file === "string") local.api_key_file = keyFile;
      if (typeof local.api_key_env === "string") env[local.api_key_env] = KEY;
      if (typeof local.ca_file === "string") {
        ca ??= makeTestCa(["localhost"]);
        local.ca_file = ca.caFile;
      }
      return local;
    });
    const parsed = await parseConfig({ accounts }, where, env);
    expect(parsed.map((a) => a.name)).toEqual(accounts.map((a) => a.name));
  });
});
