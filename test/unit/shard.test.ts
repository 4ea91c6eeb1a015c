import { describe, expect, it } from "vitest";
import { runExporterCommand } from "../../exporter/main.ts";
import { accountsOfShard, fnv1a32, resolveShard, shardOf } from "../../exporter/shard.ts";

describe("the shard hash", () => {
  it("is 32-bit FNV-1a over UTF-8 (published test vectors), so an account's shard never depends on this build", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    expect(shardOf("foobar", 7)).toBe(0xbf9cf968 % 7);
    expect(shardOf("anything", 1)).toBe(0);
  });

  it("assigns every account to exactly one shard, whatever the order of the file", () => {
    const accounts = Array.from({ length: 500 }, (_, i) => ({ name: `acct-${i}` }));
    for (const total of [1, 2, 3, 7, 16]) {
      const parts = Array.from({ length: total }, (_, ordinal) => accountsOfShard(accounts, { ordinal, total }).map((a) => a.name));
      expect(parts.flat().sort()).toEqual(accounts.map((a) => a.name).sort());
      const reversed = Array.from({ length: total }, (_, ordinal) => accountsOfShard([...accounts].reverse(), { ordinal, total }).map((a) => a.name).sort());
      expect(reversed).toEqual(parts.map((p) => [...p].sort()));
    }
  });
});

describe("resolveShard", () => {
  const env = {};
  it("defaults to the only shard", () => {
    expect(resolveShard({}, { env })).toEqual({ ordinal: 0, total: 1 });
    expect(resolveShard({ "total-shards": "3" }, { env })).toEqual({ ordinal: 0, total: 3 });
    expect(resolveShard({ "total-shards": "3", shard: "2" }, { env })).toEqual({ ordinal: 2, total: 3 });
  });
  it("reads the ordinal from $POD_NAME, else the hostname", () => {
    expect(resolveShard({ "total-shards": "7", "shard.from-pod-name": true }, { env: { POD_NAME: "captcha-runway-6" } })).toEqual({ ordinal: 6, total: 7 });
    expect(resolveShard({ "total-shards": "3", "shard.from-pod-name": true }, { env, hostname: () => "cr-shard-1" })).toEqual({ ordinal: 1, total: 3 });
  });
  it.each([
    [{ shard: "1" }, "--shard needs --total-shards M"],
    [{ "shard.from-pod-name": true }, "--shard.from-pod-name needs --total-shards M"],
    [{ "total-shards": "0" }, "--total-shards: 0 is less than 1; expected a whole number of shards from 1 to 1000"],
    [{ "total-shards": "1.5" }, '--total-shards: "1.5" is not a whole number; expected a whole number of shards from 1 to 1000'],
    [{ "total-shards": "5000" }, "--total-shards: 5000 is more than 1000; expected a whole number of shards from 1 to 1000"],
    [{ "total-shards": "3", shard: "-1" }, "--shard: -1 is negative; expected a shard ordinal from 0 to 2"],
    [{ "total-shards": "3", shard: "3" }, "--shard: ordinal 3 (from --shard) is not below --total-shards 3; ordinals run from 0 to 2"],
    [{ "total-shards": "3", shard: "1", "shard.from-pod-name": true }, "--shard and --shard.from-pod-name are exclusive"],
  ])("refuses %j", (raw, message) => {
    expect(() => resolveShard(raw, { env })).toThrow(message);
  });
  it("names the pod name it read when it has no usable ordinal", () => {
    expect(() => resolveShard({ "total-shards": "3", "shard.from-pod-name": true }, { env: { POD_NAME: "captcha-runway-7c9f-x2k" } })).toThrow(
      "--shard.from-pod-name: $POD_NAME is 'captcha-runway-7c9f-x2k', which does not end in -ORDINAL like a StatefulSet pod name",
    );
    expect(() => resolveShard({ "total-shards": "3", "shard.from-pod-name": true }, { env: { POD_NAME: "captcha-runway-3" } })).toThrow(
      "--shard.from-pod-name: ordinal 3 (from $POD_NAME 'captcha-runway-3') is not below --total-shards 3",
    );
  });
});

describe("the exporter command with shard flags", () => {
  async function run(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
    const errors: string[] = [];
    const code = await runExporterCommand(raw, { env, errorOut: (l) => errors.push(l), logWrite: () => {}, stopSignal: Promise.resolve() });
    return { code, errors: errors.join("") };
  }
  it("exits 2 with the reason for a bad shard flag", async () => {
    expect(await run({ "config.file": "/nonexistent.yml", "total-shards": "2", shard: "5" })).toEqual({
      code: 2,
      errors: "captcha-runway exporter: --shard: ordinal 5 (from --shard) is not below --total-shards 2; ordinals run from 0 to 1\n",
    });
    expect(await run({ provider: "captchaai", "total-shards": "2" }, { CAPTCHA_API_KEY: "x".repeat(32) })).toEqual({
      code: 2,
      errors: "captcha-runway exporter: --shard, --total-shards and --shard.from-pod-name split the accounts of --config.file between exporters; they need --config.file\n",
    });
    expect((await run({ demo: true, "shard.from-pod-name": true, "total-shards": "2" })).code).toBe(2);
  });
});
