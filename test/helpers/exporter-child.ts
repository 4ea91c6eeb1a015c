/**
 * A real exporter in its own process, for crash tests (kill -9): CaptchaAI's protocol with a short
 * minimum interval so that a test can run many cycles. Configured through the environment:
 * SIM_URL, CAPTCHA_API_KEY, STATE_FILE, MIN_INTERVAL_MS (also the poll interval). Prints one line,
 * "listening", on stdout once it serves; logs (logfmt) go to stderr. SIGTERM stops it cleanly.
 */
import { getProvider } from "../../core/providers/registry.ts";
import { defaultPrices } from "../../core/pricing.ts";
import { startExporter } from "../../exporter/exporter.ts";
import { createLogger } from "../../exporter/logger.ts";

const env = process.env;
const minIntervalMs = Number(env.MIN_INTERVAL_MS ?? "500");
const logger = createLogger({ level: "debug", format: "logfmt" });
const exporter = await startExporter({
  accounts: [
    {
      name: "main",
      providerLabel: "captchaai",
      provider: { ...getProvider("captchaai"), minPollIntervalMs: minIntervalMs },
      apiKey: env.CAPTCHA_API_KEY!,
      apiUrl: env.SIM_URL!,
      intervalMs: minIntervalMs,
      prices: defaultPrices("captchaai"),
    },
  ],
  listen: { host: "127.0.0.1", port: 0 },
  telemetryPath: "/metrics",
  stateFile: env.STATE_FILE!,
  // the default: calls made within a minute of the last write are not in the state file
  stateWriteIntervalMs: 60_000,
  logger,
  requestTimeoutMs: 1000,
  defaultMetrics: false,
});
process.stdout.write("listening\n");
process.once("SIGTERM", () => {
  void exporter.stop().then(() => process.exit(0));
});
