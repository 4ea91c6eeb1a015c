/**
 * A job for the kill -9 test: queues items through a BalanceGuard as fast as it can (the simulated
 * balance is zero) and prints `queued <id>` once run() reported each one queued.
 * argv: apiUrl keyFile queueFile prefix workers
 */
import { BalanceGuard, isQueued } from "../../guard/index.ts";

const [apiUrl, keyFile, queueFile, prefix, workers] = process.argv.slice(2) as [string, string, string, string, string];
const guard = new BalanceGuard({
  provider: "capsolver",
  apiKeyFile: keyFile,
  apiUrl,
  onLow: "queue",
  queueFile,
  maxItemBytes: 1024 * 1024,
  maxQueued: 1_000_000,
  log: false,
});
let n = 0;
await Promise.all(
  Array.from({ length: Number(workers) }, async () => {
    for (;;) {
      const id = `${prefix}-${n++}`;
      // 1–60 KB per item
      const pad = "x".repeat(1000 + ((n * 7919) % 59_000));
      const r = await guard.run(
        () => {
          throw new Error("the solver must not be called at a zero balance");
        },
        { id, params: { id, pad } },
      );
      if (!isQueued(r)) throw new Error(`expected queued, got ${JSON.stringify(r)}`);
      process.stdout.write(`queued ${id}\n`);
    }
  }),
);
