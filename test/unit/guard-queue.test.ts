import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QueueFullError } from "../../guard/errors.ts";
import { DurableQueue, readQueueFile } from "../../guard/queue.ts";

const KEY = "0123456789abcdef0123456789abcdef";
let dir: string;
let file: string;
const opts = (over: Partial<Parameters<typeof DurableQueue.open>[0]> = {}) => ({
  file,
  maxItems: 100,
  maxItemBytes: 4096,
  secrets: [KEY],
  ...over,
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "guard-queue-"));
  file = path.join(dir, "pending.jsonl");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("guard queue: append-only JSON lines", () => {
  it("appends one line per item, keeps order across reopen, removes drained items by appending done records", async () => {
    const q = await DurableQueue.open(opts());
    await Promise.all(Array.from({ length: 20 }, (_, i) => q.add({ id: `item-${i}`, params: { url: `/p/${i}` }, reason: "low" })));
    expect(q.depth).toBe(20);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0]!)).toMatchObject({ v: 1, op: "add", seq: 1, reason: "low" });
    const first = q.items()[0]!;
    await q.done(first.seq);
    expect(readFileSync(file, "utf8").trimEnd().split("\n").at(-1)).toBe(JSON.stringify({ v: 1, op: "done", seq: first.seq }));
    await q.close();
    // concurrent adds keep the order they were called in
    expect(readQueueFile(file).map((i) => i.id)).toEqual(Array.from({ length: 19 }, (_, i) => `item-${i + 1}`));
    const again = await DurableQueue.open(opts());
    // reopening compacts: done records and their items are gone, the rest in order
    expect(readFileSync(file, "utf8").trimEnd().split("\n")).toHaveLength(19);
    expect(again.items().map((i) => i.params)).toEqual(q.items().map((i) => i.params));
    const next = await again.add({ id: "later", reason: "low" });
    expect(next.seq).toBeGreaterThan(Math.max(...q.items().map((i) => i.seq)));
    await again.close();
  });

  it("tolerates a torn last line (a crash mid-append): it was never reported as queued and is cut off", async () => {
    const q = await DurableQueue.open(opts());
    await q.add({ id: "a", reason: "low" });
    await q.add({ id: "b", reason: "low" });
    await q.close();
    appendFileSync(file, '{"v":1,"op":"add","seq":3,"id":"c","queuedAt":"2026-');
    expect(readQueueFile(file).map((i) => i.id)).toEqual(["a", "b"]);
    const again = await DurableQueue.open(opts());
    expect(again.items().map((i) => i.id)).toEqual(["a", "b"]);
    await again.add({ id: "d", reason: "low" });
    await again.close();
    const text = readFileSync(file, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.trimEnd().split("\n").map((l) => JSON.parse(l).id)).toEqual(["a", "b", "d"]);
  });

  it("refuses a damaged line in the middle with a message naming it", async () => {
    writeFileSync(file, '{"v":1,"op":"add","seq":1,"id":"a","queuedAt":"x","reason":"low"}\nnot json\n{"v":1,"op":"add","seq":2,"id":"b","queuedAt":"x","reason":"low"}\n');
    await expect(DurableQueue.open(opts())).rejects.toThrow(/pending\.jsonl: line 2 is not a guard queue record/);
  });

  it("is bounded: the next add past maxItems throws QueueFullError and writes nothing", async () => {
    const q = await DurableQueue.open(opts({ maxItems: 3 }));
    for (const id of ["a", "b", "c"]) await q.add({ id, reason: "low" });
    const err = await q.add({ id: "d", reason: "low" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect((err as Error).message).toMatch(/is full \(3 items, the maxQueued option\): item "d" was not queued; drain the queue/);
    expect(readQueueFile(file)).toHaveLength(3);
    await q.close();
  });

  it("never stores the key, in any encoding, and refuses oversized items", async () => {
    const q = await DurableQueue.open(opts());
    await expect(q.add({ id: "x", params: { url: `https://example.test/?key=${KEY}` }, reason: "low" })).rejects.toThrow(/contain the API key/);
    await expect(q.add({ id: "y", params: { k: encodeURIComponent(`${KEY}`) }, reason: "low" })).rejects.toThrow(/contain the API key/);
    await expect(q.add({ id: "z", params: { blob: "x".repeat(5000) }, reason: "low" })).rejects.toThrow(/more than 4096 \(maxItemBytes\)/);
    expect(q.depth).toBe(0);
    await q.close();
    expect(readFileSync(file, "utf8")).not.toContain(KEY);
  });

  it("one process per file: a live owner is refused, a lock left by a dead process is taken over", async () => {
    const q = await DurableQueue.open(opts());
    await expect(DurableQueue.open(opts())).rejects.toThrow(/already open in this process/);
    await q.close();
    writeFileSync(`${file}.lock`, "1\n"); // pid 1 is alive (init)
    await expect(DurableQueue.open(opts())).rejects.toThrow(/in use by process 1 \(lock file .*pending\.jsonl\.lock\)/);
    writeFileSync(`${file}.lock`, "999999999\n"); // no such process
    const taken = await DurableQueue.open(opts());
    expect(readFileSync(`${file}.lock`, "utf8").trim()).toBe(String(process.pid));
    await taken.close();
  });
});
