/**
 * Basic auth (exporter/basic-auth.ts): an unknown user costs a comparison at the configured cost,
 * bcrypt work is bounded, verified headers are cached by HMAC with a sliding TTL, and the real
 * worker-thread verifier gives bcryptjs's answers.
 */
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { BasicAuthChecker, bcryptCost, dummyHash, type PasswordVerifier, WorkerVerifier } from "../../exporter/basic-auth.ts";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** A stand-in hash of a given cost: the checker only reads its cost; the fake verifier compares. */
const fakeHash = (cost: number, tag: string) => `$2y$${String(cost).padStart(2, "0")}$${tag.padEnd(53, ".")}`;

/** Records every comparison; each one resolves when the test says so (or at once). */
class RecordingVerifier implements PasswordVerifier {
  readonly calls: { password: string; hash: string; resolve: (ok: boolean) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly passwords: ReadonlyMap<string, string>;
  readonly manual: boolean;
  constructor(passwords: ReadonlyMap<string, string>, manual = false) {
    this.passwords = passwords;
    this.manual = manual;
  }
  compare(password: string, hash: string): Promise<boolean> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        this.inFlight--;
        resolve(ok);
      };
      this.calls.push({ password, hash, resolve: done });
      if (!this.manual) done(this.passwords.get(hash) === password);
    });
  }
  async close(): Promise<void> {}
}

describe("basic auth: unknown users cost what known users cost", () => {
  it("compares an unknown user against a dummy of the highest configured cost (12), never a cost-10 one", async () => {
    const users = new Map([
      ["prometheus", fakeHash(12, "p")],
      ["grafana", fakeHash(11, "g")],
    ]);
    const verifier = new RecordingVerifier(new Map([[users.get("prometheus")!, "right"]]));
    const auth = new BasicAuthChecker(users, { verifier });
    expect(bcryptCost(auth.dummyHash)).toBe(12);

    expect(await auth.check(basic("nobody", "right"))).toBe("denied");
    expect(verifier.calls).toHaveLength(1);
    const used = verifier.calls[0]!.hash;
    expect(bcryptCost(used)).toBe(12);
    expect([...users.values()]).not.toContain(used);

    expect(await auth.check(basic("prometheus", "wrong"))).toBe("denied");
    expect(bcryptCost(verifier.calls[1]!.hash)).toBe(12);
    expect(await auth.check(basic("prometheus", "right"))).toBe("ok");
  });

  it("the dummy is a well-formed hash that bcrypt runs at its full cost and no password matches", async () => {
    const d = dummyHash(12);
    expect(d).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.getRounds(d)).toBe(12);
    expect(dummyHash(12)).not.toBe(d); // random salt and digest
    const cheap = dummyHash(4);
    expect(await bcrypt.compare("", cheap)).toBe(false);
    expect(await bcrypt.compare("anything", cheap)).toBe(false);
  });

  it("really compares through the worker thread: a right and a wrong password, a known and an unknown user", async () => {
    const hash = bcrypt.hashSync("s3cret", 4).replace(/^\$2b\$/, "$2y$");
    const verifier = new WorkerVerifier();
    try {
      expect(await verifier.compare("s3cret", hash)).toBe(true);
      expect(await verifier.compare("wrong", hash)).toBe(false);
      expect(await verifier.compare("s3cret", dummyHash(4))).toBe(false);
      expect(await verifier.compare("s3cret", "not a hash")).toBe(false);
      const auth = new BasicAuthChecker(new Map([["u", hash]]), { verifier });
      expect(await auth.check(basic("u", "s3cret"))).toBe("ok");
      expect(await auth.check(basic("v", "s3cret"))).toBe("denied");
    } finally {
      await verifier.close();
    }
  });
});

describe("basic auth: bounded bcrypt work", () => {
  it("runs at most maxConcurrent comparisons, queues maxQueued, and answers the rest 'busy' at once", async () => {
    const users = new Map([["u", fakeHash(12, "u")]]);
    const verifier = new RecordingVerifier(new Map(), true);
    const auth = new BasicAuthChecker(users, { verifier, maxConcurrent: 1, maxQueued: 3 });
    const checks = Array.from({ length: 10 }, (_, i) => auth.check(basic("u", `guess-${i}`)));
    const settled = await Promise.all(checks.slice(4)); // beyond 1 running + 3 queued
    expect(settled).toEqual(Array(6).fill("busy"));
    expect(verifier.calls).toHaveLength(1);
    for (let k = 0; k < 4; k++) {
      await new Promise((r) => setImmediate(r));
      expect(verifier.inFlight).toBe(1);
      verifier.calls[k]!.resolve(false);
    }
    expect(await Promise.all(checks.slice(0, 4))).toEqual(Array(4).fill("denied"));
    expect(verifier.maxInFlight).toBe(1);
    expect(verifier.calls).toHaveLength(4);
    expect(auth.comparisons).toBe(4);
  });

  it("identical headers arriving together share one comparison", async () => {
    const h = fakeHash(10, "u");
    const verifier = new RecordingVerifier(new Map([[h, "pw"]]), true);
    const auth = new BasicAuthChecker(new Map([["u", h]]), { verifier, maxQueued: 0 });
    const same = Array.from({ length: 5 }, () => auth.check(basic("u", "pw")));
    await new Promise((r) => setImmediate(r));
    expect(verifier.calls).toHaveLength(1);
    verifier.calls[0]!.resolve(true);
    expect(await Promise.all(same)).toEqual(Array(5).fill("ok"));
  });
});

describe("basic auth: verified headers are cached", () => {
  it("a scraper pays bcrypt once; the entry lives cacheTtlMs after its last use, then bcrypt runs again", async () => {
    const h = fakeHash(12, "u");
    const verifier = new RecordingVerifier(new Map([[h, "pw"]]));
    let now = 1_000_000;
    const auth = new BasicAuthChecker(new Map([["u", h]]), { verifier, cacheTtlMs: 60_000, now: () => now });
    for (let i = 0; i < 20; i++) {
      expect(await auth.check(basic("u", "pw"))).toBe("ok");
      now += 30_000; // every use slides the expiry
    }
    expect(verifier.calls).toHaveLength(1);
    now += 61_000;
    expect(await auth.check(basic("u", "pw"))).toBe("ok");
    expect(verifier.calls).toHaveLength(2);
  });

  it("wrong passwords are not cached as right, and a cached header does not vouch for another", async () => {
    const h = fakeHash(12, "u");
    const verifier = new RecordingVerifier(new Map([[h, "pw"]]));
    const auth = new BasicAuthChecker(new Map([["u", h]]), { verifier });
    expect(await auth.check(basic("u", "pw"))).toBe("ok");
    expect(await auth.check(basic("u", "pw2"))).toBe("denied");
    expect(await auth.check(basic("u", "pw2"))).toBe("denied");
    expect(await auth.check(basic("u", "pw"))).toBe("ok");
    expect(verifier.calls.map((c) => c.password)).toEqual(["pw", "pw2", "pw2"]);
  });

  it("keeps at most maxCache headers, dropping the least recently used", async () => {
    const hashes = ["a", "b", "c"].map((u) => [u, fakeHash(10, u)] as const);
    const verifier = new RecordingVerifier(new Map(hashes.map(([u, h]) => [h, `pw-${u}`])));
    const auth = new BasicAuthChecker(new Map(hashes), { verifier, maxCache: 2 });
    const hdr = (u: string) => basic(u, `pw-${u}`);
    expect(await auth.check(hdr("a"))).toBe("ok");
    expect(await auth.check(hdr("b"))).toBe("ok");
    expect(await auth.check(hdr("a"))).toBe("ok"); // a used last: b is now the oldest
    expect(await auth.check(hdr("c"))).toBe("ok"); // evicts b
    expect(verifier.calls).toHaveLength(3);
    expect(await auth.check(hdr("a"))).toBe("ok");
    expect(verifier.calls).toHaveLength(3);
    expect(await auth.check(hdr("b"))).toBe("ok");
    expect(verifier.calls).toHaveLength(4);
    // The same credentials spelt differently (case of the scheme, spaces) are the same entry.
    expect(await auth.check(`basic   ${Buffer.from("b:pw-b").toString("base64")}  `)).toBe("ok");
    expect(verifier.calls).toHaveLength(4);
  });

  it("refuses malformed headers without any bcrypt work", async () => {
    const verifier = new RecordingVerifier(new Map());
    const auth = new BasicAuthChecker(new Map([["u", fakeHash(10, "u")]]), { verifier });
    for (const h of [undefined, "", "Bearer x", "Basic !!!", `Basic ${Buffer.from("nocolon").toString("base64")}`]) {
      expect(await auth.check(h)).toBe("denied");
    }
    expect(verifier.calls).toHaveLength(0);
  });
});
