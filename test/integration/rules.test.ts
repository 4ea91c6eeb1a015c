/**
 * The Prometheus rule files under grafana/prometheus/ through promtool (Debian's `prometheus` package):
 * `promtool check rules` (syntax, PromQL, templates) and `promtool test rules` on test/rules/*.test.yml
 * (every alert firing when it should and silent when it should not: bursts, top-ups, stale data).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PROMTOOL, promtoolMissing } from "../helpers/prometheus.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RULE_FILES = ["grafana/prometheus/alerts.yml", "grafana/prometheus/rules.yml"];
const TEST_FILES = readdirSync(join(root, "test/rules"))
  .filter((f) => f.endsWith(".test.yml"))
  .sort()
  .map((f) => `test/rules/${f}`);

function promtool(args: readonly string[]): { ok: boolean; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: root, encoding: "utf8", timeout: 120_000 });
  const output = `$ promtool ${args.join(" ")}\n${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`;
  return { ok: r.status === 0, output };
}

describe("Prometheus rules (promtool)", () => {
  it("promtool is installed", () => {
    const missing = promtoolMissing();
    if (missing) expect.fail(missing);
  });

  it("there are unit tests for the alerts and the recording rules", () => {
    expect(TEST_FILES).toEqual(expect.arrayContaining(["test/rules/alerts.test.yml", "test/rules/recording.test.yml"]));
  });

  it("promtool check rules passes", () => {
    if (promtoolMissing()) expect.fail(promtoolMissing()!);
    const r = promtool(["check", "rules", ...RULE_FILES]);
    if (!r.ok) expect.fail(r.output);
    // 8 alerts; 4 recording rules (spend rates, daily spend and deposits: no naive runway ratio)
    expect(r.output).toMatch(/alerts\.yml\n\s+SUCCESS: 10 rules found/);
    expect(r.output).toMatch(/rules\.yml\n\s+SUCCESS: 4 rules found/);
  });

  for (const file of TEST_FILES) {
    it(`promtool test rules ${file}`, () => {
      if (promtoolMissing()) expect.fail(promtoolMissing()!);
      const r = promtool(["test", "rules", file]);
      if (!r.ok) expect.fail(r.output);
      expect(r.output).toContain("SUCCESS");
    }, 120_000);
  }
});
