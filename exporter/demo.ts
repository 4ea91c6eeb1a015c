/**
 * `--demo`: the embedded simulator on a random loopback port, with one account on the fast `demo`
 * spend scenario (one simulated minute per real second), polled every 2 s under provider="demo".
 * The runway visibly falls within a minute; the money runs out after about 3 minutes, stays out for 4
 * (the alerts fire) and is topped up, again and again (docs/exporter.md, "Demo"). Nothing leaves the machine.
 */
import { randomBytes } from "node:crypto";
import { defaultPrices } from "../core/pricing.ts";
import { getProvider } from "../core/providers/registry.ts";
import { scenario, startSimulator } from "../simulator/index.ts";
import type { PolledAccount } from "./poller.ts";

export const DEMO_INTERVAL_MS = 2000;

export interface Demo {
  readonly account: PolledAccount;
  readonly simulatorUrl: string;
  close(): Promise<void>;
}

export async function startDemo(): Promise<Demo> {
  const demo = scenario("demo", Math.floor(Math.random() * 1e9), Date.now());
  // A random key for the simulator account; it never leaves this process.
  const key = randomBytes(16).toString("hex");
  const sim = await startSimulator({
    port: 0,
    host: "127.0.0.1",
    flavour: "captchaai",
    timeScale: demo.timeScale,
    accounts: [{ key, id: "demo", balance: demo.balance, currency: "USD", spend: demo.process }],
  });
  const base = getProvider("captchaai");
  const account: PolledAccount = {
    name: "demo",
    providerLabel: "demo",
    provider: { ...base, minPollIntervalMs: 1000, defaultPollIntervalMs: DEMO_INTERVAL_MS },
    apiKey: key,
    apiUrl: sim.url,
    intervalMs: DEMO_INTERVAL_MS,
    prices: defaultPrices("captchaai"),
  };
  return { account, simulatorUrl: sim.url, close: () => sim.close() };
}
