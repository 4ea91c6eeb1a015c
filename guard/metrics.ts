/**
 * Optional metrics on the job's own prom-client registry, so a job that already exposes /metrics
 * shows what the guard did. Several guards may share a registry (one series per provider).
 */
import { Counter, Gauge, type Registry } from "prom-client";

export const GUARD_OUTCOMES = ["ran", "skipped", "queued", "raised"] as const;
export type GuardOutcome = (typeof GUARD_OUTCOMES)[number];

export const GUARD_METRIC_HELP = {
  runs: "Items handed to the balance guard, by outcome: ran (the solver was called and did not report a zero balance), skipped, queued (written to the queue file), raised (InsufficientBalanceError, ZeroBalanceError or QueueFullError thrown).",
  depth: "Items in the balance guard's queue file waiting for a drain (at-least-once: an item is removed only after the drain's callback succeeded).",
} as const;

/** Queue depth sources per registry, read when the gauge is collected. */
const depthSources = new WeakMap<Registry, Map<string, () => number>>();

export class GuardMetrics {
  readonly #runs: Counter<"outcome" | "provider">;
  readonly #provider: string;

  constructor(registry: Registry, provider: string, depth: (() => number) | null) {
    this.#provider = provider;
    const existing = registry.getSingleMetric("captcha_guard_runs_total");
    this.#runs =
      (existing as Counter<"outcome" | "provider"> | undefined) ??
      new Counter({ name: "captcha_guard_runs_total", help: GUARD_METRIC_HELP.runs, labelNames: ["outcome", "provider"], registers: [registry] });
    for (const outcome of GUARD_OUTCOMES) this.#runs.inc({ outcome, provider }, 0);
    let sources = depthSources.get(registry);
    if (!sources) {
      const map = new Map<string, () => number>();
      sources = map;
      depthSources.set(registry, map);
      new Gauge({
        name: "captcha_guard_queue_depth",
        help: GUARD_METRIC_HELP.depth,
        labelNames: ["provider"],
        registers: [registry],
        collect() {
          for (const [p, read] of map) this.set({ provider: p }, read());
        },
      });
    }
    if (depth) sources.set(provider, depth);
  }

  count(outcome: GuardOutcome): void {
    this.#runs.inc({ outcome, provider: this.#provider });
  }
}
