/**
 * The metrics the exporter serves are the metrics the docs list: every captcha_* family on a real
 * exporter's /metrics (one spending account, so the runway families are there too) has a row in
 * docs/exporter.md's metrics table and a line in README.md's brief list, and neither names a
 * captcha_* metric the exporter does not serve.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Harness, sample, scrape, startHarness } from "./exporter-harness.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** captcha_* names in the first column of the first table under the heading `heading`. */
function tableMetrics(doc: string, heading: string): Set<string> {
  const at = doc.indexOf(`\n${heading}\n`);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const table: string[] = [];
  for (const l of doc.slice(at).split("\n").slice(1)) {
    if (l.startsWith("|")) table.push(l);
    else if (table.length > 0) break;
  }
  const rows = table.filter((l) => l.startsWith("| `captcha_"));
  expect(rows.length, `${heading}: a table of metrics`).toBeGreaterThan(5);
  return new Set(rows.flatMap((r) => [...r.split("|")[1]!.matchAll(/`(captcha_[a-z_]+)/g)].map((m) => m[1]!)));
}

describe("documented metrics", () => {
  let h: Harness;
  let served: Set<string>;

  beforeAll(async () => {
    h = await startHarness({
      timeScale: 3600,
      intervalMs: 100,
      accounts: [{ name: "spending", balance: 50, spend: { components: [{ kind: "steady", ratePerHour: 2 }] } }],
    });
    const body = await eventually(async () => {
      const s = await scrape(h.exporter.metricsUrl);
      return sample(s.body, "captcha_runway_seconds") !== undefined ? s.body : undefined;
    }, "a runway on /metrics", 20_000);
    served = new Set([...body.matchAll(/^# TYPE (captcha_[a-z_]+) /gm)].map((m) => m[1]!));
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it("the exporter serves the account and exporter families", () => {
    for (const name of ["captcha_balance", "captcha_runway_seconds", "captcha_up", "captcha_exporter_build_info"]) expect(served).toContain(name);
  });

  it.each([
    ["docs/exporter.md", "## Metrics"],
    ["README.md", "### Metrics"],
  ])("%s lists exactly the captcha_* metrics served", (file, heading) => {
    expect([...tableMetrics(read(file), heading)].sort()).toEqual([...served].sort());
  });
});
