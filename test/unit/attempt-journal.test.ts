/** The call journal beside the state file: what it keeps, what it skips, how big it gets. */
import { appendFileSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AttemptJournal, journalPath, parseJournal } from "../../exporter/attempt-journal.ts";
import { createLogger } from "../../exporter/logger.ts";
import { stateKey } from "../../exporter/state-file.ts";

const logger = createLogger({ level: "error", format: "logfmt", write: () => {} });

describe("attempt journal", () => {
  it("keeps the latest call per account across reopening, and skips a torn last line", () => {
    const state = join(mkdtempSync(join(tmpdir(), "captcha-runway-journal-")), "state.json");
    const j = AttemptJournal.open(state, 2, logger);
    j.record("a", "captchaai", 1000);
    j.record("b", "2captcha", 2000);
    j.record("a", "captchaai", 3000);
    j.close();
    appendFileSync(journalPath(state), '{"a":"a","p":"captchaai","t":99'); // killed mid-write
    const again = AttemptJournal.open(state, 2, logger);
    expect(again.lastAttempt("a", "captchaai")).toBe(3000);
    expect(again.lastAttempt("b", "2captcha")).toBe(2000);
    expect(again.lastAttempt("c", "captchaai")).toBeUndefined();
    again.close();
  });

  it("ignores lines that are not ours", () => {
    const m = parseJournal('not json\n{"a":1,"p":"x","t":5}\n{"a":"x","p":"y","t":"5"}\n{"a":"x","p":"y","t":7}\n');
    expect([...m]).toEqual([[stateKey("x", "y"), 7]]);
  });

  it("stays O(accounts): compacted to one line per account, names with any character kept", () => {
    const state = join(mkdtempSync(join(tmpdir(), "captcha-runway-journal-")), "state.json");
    const j = AttemptJournal.open(state, 10, logger);
    for (let i = 0; i < 20_000; i++) j.record(`acct "${i % 10}"\u0000x`, "captchaai", i);
    j.close();
    expect(statSync(journalPath(state)).size).toBeLessThanOrEqual(64 * 1024 + 100);
    const m = parseJournal(readFileSync(journalPath(state), "utf8"));
    expect(m.size).toBe(10);
    expect(m.get(stateKey('acct "9"\u0000x', "captchaai"))).toBe(19_999);
  });
});
