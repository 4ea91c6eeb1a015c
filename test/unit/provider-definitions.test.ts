/**
 * One place per provider: every definition in core/providers/services/ is complete and cited, and the
 * registry, the price table, the simulator, the CLI's help, the docs and action.yml agree with it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultPrices } from "../../core/pricing.ts";
import { DEFINITIONS, PROVIDER_NAMES } from "../../core/providers/catalog.ts";
import { PROTOCOL_NAMES } from "../../core/providers/define.ts";
import {
  actionDescription,
  actionDocsProviderInputRow,
  actionProviderInput,
  intervalTable,
  providerTable,
  readmeProviderList,
} from "../../core/providers/describe.ts";
import { getProvider } from "../../core/providers/registry.ts";
import { FAILURE_REASONS } from "../../core/reasons.ts";
import { startSimulator } from "../../simulator/index.ts";
import { banCooldownMs, defaultCurrency, FLAVOURS } from "../../simulator/protocol.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const doc = (file: string) => readFileSync(join(ROOT, file), "utf8");
const ACTION = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
  description: string;
  inputs: Record<string, { description: string }>;
};

function between(text: string, open: string, close: string): string {
  const a = text.indexOf(open);
  const b = text.indexOf(close, a);
  expect(a, open).toBeGreaterThanOrEqual(0);
  expect(b, close).toBeGreaterThan(a);
  return text.slice(text.indexOf("\n", a) + 1, b).trim();
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

describe("provider definitions", () => {
  it("one module per provider, each listed once in the registry", () => {
    const files = readdirSync(join(ROOT, "core/providers/services")).filter((f) => f !== "index.ts");
    expect(files.length).toBe(DEFINITIONS.length);
    const index = readFileSync(join(ROOT, "core/providers/services/index.ts"), "utf8");
    for (const f of files) expect(index.match(new RegExp(`from "\\./${f.replace(".", "\\.")}"`, "g"))?.length, f).toBe(1);
    expect(new Set(PROVIDER_NAMES).size).toBe(PROVIDER_NAMES.length);
  });

  it.each(DEFINITIONS.map((d) => [d.name, d] as const))("%s is complete and cited", (_name, d) => {
    expect(d.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(PROTOCOL_NAMES).toContain(d.protocol);
    expect(() => new URL(d.defaultBaseUrl)).not.toThrow();
    expect(d.defaultCurrency).toMatch(/^([A-Z]{3}|credits)$/);
    expect(d.minPollIntervalMs).toBeGreaterThanOrEqual(1000);
    expect(d.defaultPollIntervalMs).toBeGreaterThanOrEqual(d.minPollIntervalMs);
    expect(d.banCooldownMs).toBeGreaterThan(0);
    expect(d.docs.length).toBeGreaterThan(0);
    for (const c of d.docs) {
      expect(c.source.length).toBeGreaterThan(10);
      expect(c.checked).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
    }
    expect(Object.keys(d.errorCodes).length).toBeGreaterThan(0);
    for (const reason of Object.values(d.errorCodes)) expect(FAILURE_REASONS).toContain(reason);
    expect(d.errorCodes[d.simulator.badKeyCode], "bad-key code").toBe("auth");
    for (const [type, p] of Object.entries(d.prices)) {
      expect(type).toMatch(/^[a-z0-9_]+$/);
      expect(p.usd).toBeGreaterThan(0);
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.checked).toMatch(/^\d{4}(-\d{2})?/);
    }
  });

  it("the registry, the prices and the simulator are derived from the definitions", () => {
    for (const d of DEFINITIONS) {
      const p = getProvider(d.name);
      expect(p).toMatchObject({
        name: d.name,
        defaultBaseUrl: d.defaultBaseUrl,
        defaultCurrency: d.defaultCurrency,
        minPollIntervalMs: d.minPollIntervalMs,
        defaultPollIntervalMs: d.defaultPollIntervalMs,
        banCooldownMs: d.banCooldownMs,
      });
      for (const [type, price] of Object.entries(d.prices)) expect(defaultPrices(d.name)[type]).toBe(price.usd);
      expect(banCooldownMs(d.name)).toBe(d.banCooldownMs);
      expect(defaultCurrency(d.name)).toBe(d.defaultCurrency);
    }
    expect([...FLAVOURS].sort()).toEqual([...PROVIDER_NAMES].sort());
    // a service that sells credits has no USD defaults
    expect(defaultPrices("nopecha")).toEqual({});
  });

  const HINT = "out of date with core/providers/services/: run npm run docs:providers";

  it("the README's provider list is the registry", () => {
    expect(between(doc("README.md"), "<!-- provider-list:", "<!-- /provider-list -->"), HINT).toBe(readmeProviderList());
  });

  it("docs/providers.md's provider table is the registry", () => {
    expect(between(doc("docs/providers.md"), "<!-- providers:", "<!-- /providers -->"), HINT).toBe(providerTable());
  });

  it("docs/exporter.md's interval table is the registry", () => {
    expect(between(doc("docs/exporter.md"), "<!-- provider-intervals:", "<!-- /provider-intervals -->"), HINT).toBe(intervalTable());
  });

  it("action.yml names exactly the registry's services and providers", () => {
    expect(oneLine(ACTION.description), HINT).toBe(actionDescription());
    expect(oneLine(ACTION.inputs.provider!.description), HINT).toBe(actionProviderInput());
    for (const name of PROVIDER_NAMES) expect(actionProviderInput()).toContain(name);
  });

  it("docs/action.md's inputs list exactly the registry's providers", () => {
    const row = doc("docs/action.md").split("\n").find((l) => l.startsWith("| `provider` |"));
    expect(row, HINT).toBe(actionDocsProviderInputRow());
  });

  it.each(DEFINITIONS.map((d) => [d.name, d] as const))("%s: every documented error code, in the simulator's shape, reads as the definition says", async (_n, d) => {
    const key = "definition0test0key00000000000000".slice(0, 32);
    const sim = await startSimulator({ flavour: d.name, timeScale: 0, accounts: [{ key, balance: 5 }] });
    try {
      for (const [code, reason] of Object.entries(d.errorCodes)) {
        sim.injectFault({ kind: "error", code }, { times: 1 });
        const r = await getProvider(d.name).getBalance({ apiKey: key, apiUrl: sim.url });
        expect(r, code).toMatchObject({ ok: false, reason });
        if (!r.ok) expect(JSON.stringify(r)).not.toContain(key);
      }
      const ok = await getProvider(d.name).getBalance({ apiKey: key, apiUrl: sim.url });
      expect(ok).toEqual({ ok: true, balance: 5, currency: d.defaultCurrency });
    } finally {
      await sim.close();
    }
  });
});
