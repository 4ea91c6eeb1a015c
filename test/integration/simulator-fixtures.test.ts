import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Flavour, Simulator } from "../../simulator/index.ts";
import { CASES, runCase, startFixtureSimulators, statusOf } from "../fixtures/responses/cases.ts";

const DIR = join(import.meta.dirname, "../fixtures/responses");

// The recorded fixtures are what provider unit tests parse: they must stay what the simulator sends.
describe("recorded response fixtures match the simulator", () => {
  let sims: Map<Flavour, Simulator>;
  beforeAll(async () => {
    sims = await startFixtureSimulators();
  });
  afterAll(async () => {
    for (const s of sims.values()) await s.close();
  });

  it("has a README row for every fixture", () => {
    const readme = readFileSync(join(DIR, "README.md"), "utf8");
    for (const c of CASES) expect(readme).toContain(`\`${c.file}\` | ${statusOf(c.file)} |`);
  });

  it.each(CASES.map((c) => [c.file, c] as const))("%s", async (_file, c) => {
    const r = await runCase(sims, c);
    expect(r.status).toBe(statusOf(c.file));
    expect(r.body).toBe(readFileSync(join(DIR, c.file), "utf8"));
    if (c.file.endsWith(".json")) expect(() => JSON.parse(r.body)).not.toThrow();
    if (c.file.startsWith("rate-limited")) expect(r.headers["retry-after"]).toBe("30");
  });
});
