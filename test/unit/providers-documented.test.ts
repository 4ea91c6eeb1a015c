/**
 * Every provider's documented answers (test/fixtures/documented/, each with its source and date):
 * the parser reads each as the documentation means it, and the simulator, asked for the same case,
 * answers with the same shape (the same fields of the same JSON types, the same HTTP status) and the
 * same meaning through the real client.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { send } from "../../core/http.ts";
import { DEFINITIONS, getDefinition } from "../../core/providers/catalog.ts";
import { transportFailure } from "../../core/providers/parse.ts";
import { PROTOCOLS, parseFor } from "../../core/providers/provider.ts";
import { getProvider } from "../../core/providers/registry.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { DOCUMENTED, type DocumentedAnswer } from "../fixtures/documented/cases.ts";

const DIR = fileURLToPath(new URL("../fixtures/documented/", import.meta.url));
const KEY = "documented0fixture0key0000000000"; // 32 characters: valid for res.php
const UNKNOWN = "ffffffffffffffffffffffffffffffff";

const files = readdirSync(DIR).filter((f) => /\.\d{3}\.(json|txt)$/.test(f));
const statusOf = (file: string) => Number(/\.(\d{3})\.\w+$/.exec(file)![1]);
const bodyOf = (c: DocumentedAnswer) => readFileSync(DIR + c.file, "utf8");

/** The balance as the wire carries it (cents, points, credits, a string), as written. */
function wireBalance(body: string): string | undefined {
  const m = /"(?:balance|credit)":\s*(-?[\d.]+)|^\s*(-?[\d.]+)\s*$|"request":"(-?[\d.]+)"/.exec(body);
  return m?.[1] ?? m?.[2] ?? m?.[3];
}

/** Digits after the point of the balance on the wire (so the simulator rounds the same way). */
function wireDecimals(c: DocumentedAnswer): number {
  const num = wireBalance(bodyOf(c)) ?? "0";
  return num.includes(".") ? num.split(".")[1]!.length : 0;
}

/** JSON types of a body's top-level fields (`array`, `number`, …), or `text` for a non-JSON body. */
function shape(body: string): Record<string, string> | "text" {
  try {
    const v = JSON.parse(body) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) return "text";
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, Array.isArray(x) ? "array" : x === null ? "null" : typeof x]));
  } catch {
    return "text";
  }
}

describe("documented provider answers", () => {
  it("every file has a cited entry, every entry a file, every provider at least one success", () => {
    expect(files.sort()).toEqual(DOCUMENTED.map((c) => c.file).sort());
    for (const c of DOCUMENTED) {
      expect(c.file.startsWith(`${c.provider}-`), c.file).toBe(true);
      expect(c.source.length, c.file).toBeGreaterThan(20);
      expect(c.checked, c.file).toMatch(/^\d{4}(-\d{2}-\d{2})?$/);
    }
    for (const d of DEFINITIONS) {
      expect(DOCUMENTED.some((c) => c.provider === d.name && "balance" in c.expect), `${d.name} has a documented balance`).toBe(true);
    }
  });

  describe.each(DOCUMENTED.map((c) => [c.file, c] as const))("%s", (_file, c) => {
    const def = getDefinition(c.provider);
    const status = statusOf(c.file);
    const body = bodyOf(c);

    it("the parser reads it as documented", () => {
      const early = transportFailure({ kind: "response", status, headers: {}, body, truncated: false });
      const result = early ?? parseFor(def, { status, body });
      if ("balance" in c.expect) {
        expect(result).toEqual({ ok: true, balance: c.expect.balance, currency: def.defaultCurrency });
      } else {
        expect(result).toMatchObject({ ok: false, reason: c.expect.reason, code: c.expect.code });
      }
    });

    it("the simulator answers the same case with the same shape and meaning", async () => {
      const sim = await startSimulator({
        flavour: c.provider,
        timeScale: 0,
        accounts: [{ key: KEY, balance: "balance" in c.expect ? c.expect.balance : 10, decimals: wireDecimals(c) }],
      });
      sims.push(sim);
      const asked = "balance" in c.expect || c.expect.code === def.simulator.badKeyCode ? undefined : c.expect.code;
      const key = "balance" in c.expect || asked !== undefined ? KEY : UNKNOWN;
      if (asked !== undefined) sim.injectFault({ kind: "error", code: asked }, { times: 2 });
      const call = PROTOCOLS[def.protocol].request(sim.url, key);
      if (c.file.endsWith(".txt")) call.url.searchParams.delete("json");
      const raw = await send({ ...call, secrets: [key] });
      expect(raw.kind).toBe("response");
      if (raw.kind !== "response") return;
      expect(raw.status).toBe(status);
      const documented = shape(body);
      const simulated = shape(raw.body);
      if (documented === "text") expect(simulated).toBe("text");
      else expect(simulated).toMatchObject(documented);
      // the same balance on the wire: the simulator converts to cents / points as the provider does
      if ("balance" in c.expect) expect(Number(wireBalance(raw.body))).toBe(Number(wireBalance(body)));
      const viaClient = await getProvider(c.provider).getBalance({ apiKey: key, apiUrl: sim.url });
      if ("balance" in c.expect) expect(viaClient).toEqual({ ok: true, balance: c.expect.balance, currency: def.defaultCurrency });
      else expect(viaClient).toMatchObject({ ok: false, reason: c.expect.reason, code: c.expect.code });
    });
  });

  const sims: Simulator[] = [];
  afterAll(async () => {
    for (const s of sims) await s.close();
  });
});
