/**
 * What it costs to remember the last provider call across a crash (issue 15, item 7): the attempt
 * journal (one synchronous append of ~60 bytes before each call, compaction included) against the
 * alternative of rewriting the whole state file before each call, at 1,000 accounts.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunwayEstimator } from "../core/runway/estimator.ts";
import { AttemptJournal, journalPath } from "../exporter/attempt-journal.ts";
import { createLogger } from "../exporter/logger.ts";
import { type AccountState, documentText, serializeAccount, writeStateFileAtomic } from "../exporter/state-file.ts";

const ACCOUNTS = 1000;
const dir = mkdtempSync(join(tmpdir(), "captcha-runway-state-bench-"));
const logger = createLogger({ level: "error", format: "logfmt", write: () => {} });
try {
  const stateFile = join(dir, "state.json");
  const journal = AttemptJournal.open(stateFile, ACCOUNTS, logger);
  const calls = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) journal.record(`account-${i % ACCOUNTS}`, "captchaai", 1_767_225_600_000 + i);
  const journalUs = Number(process.hrtime.bigint() - t0) / 1000 / calls;
  const journalBytes = statSync(journalPath(stateFile)).size;
  journal.close();

  // a realistic state file: every account with a day of one-minute balances behind it
  const entries: string[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const e = new RunwayEstimator();
    for (let i = 0; i < 1440; i++) e.observe(1_767_225_600 + i * 60, 100 - i * 0.01);
    const entry: AccountState = {
      account: `account-${a}`,
      provider: "captchaai",
      currency: "USD",
      estimator: e.toState(),
      errors: { auth: 0, no_funds: 0, banned: 0, rate_limited: 0, upstream: 0, timeout: 0, network: 0, malformed: 0 },
      balance: 85.6,
      lastAttemptAtMs: 1_767_312_000_000,
      lastSuccessAtMs: 1_767_312_000_000,
      history: Array.from({ length: 120 }, (_, i) => [1_767_305_000 + i * 60, 86 - i * 0.01] as const),
    };
    const out = serializeAccount(entry);
    if (!("json" in out)) throw new Error(out.why);
    entries.push(out.json);
  }
  const text = documentText(new Date().toISOString(), entries);
  const writes = 20;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < writes; i++) await writeStateFileAtomic(stateFile, text);
  const stateMs = Number(process.hrtime.bigint() - t1) / 1e6 / writes;

  console.log(`attempt journal: ${journalUs.toFixed(2)} µs per recorded call (${calls} calls, ${ACCOUNTS} accounts, compaction included; file ${(journalBytes / 1024).toFixed(0)} KiB at the end)`);
  console.log(`whole state file instead: ${stateMs.toFixed(1)} ms per write of ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB (${ACCOUNTS} accounts; atomic, fsync)`);
  console.log(`per call, the journal costs ${((stateMs * 1000) / journalUs).toFixed(0)}× less than rewriting the state file`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
