/**
 * The committed bundle (`node dist/index.js`, as the runner runs it) on a self-hosted runner behind a
 * proxy: HTTPS_PROXY names a real squid on loopback (basic auth), NODE_EXTRA_CA_CERTS a test CA, and
 * both the provider (the simulator serving TLS) and GitHub (the fake GitHub Enterprise Server API
 * under /api/v3, over TLS) are reachable only through the proxy: their host names, sim.test and
 * github.test, resolve for squid alone. The tracking issue must be opened and closed through it, and
 * the key, the token and the proxy's credentials must appear in no output.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { runActionBundle } from "../helpers/action-bundle.ts";
import { type FakeGitHub, startFakeGitHub } from "../helpers/fake-github.ts";
import { SQUID, type Squid, startSquid } from "../helpers/squid.ts";
import { makeTestCa, type TestCa } from "../helpers/test-ca.ts";

const KEY = "e3b0c44298fc1c149afbf4c8996fb924";
const TOKEN = "ghs_proxy_e2e_token_0000000000000000";
const USER = "runner-proxy";
const PASSWORD = "Pr0xy:Secr3t@42";

const SECRETS = [KEY, TOKEN, USER, PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`${USER}:${PASSWORD}`).toString("base64")];

interface Run {
  readonly code: number | null;
  readonly everything: string;
  readonly stdout: string;
}

describe.runIf(SQUID)("the action behind a proxy (squid), with a company CA", () => {
  let proxy: Squid;
  let sim: Simulator;
  let gh: FakeGitHub;
  let ca: TestCa;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "action-proxy-e2e-"));
    ca = makeTestCa(["sim.test", "github.test"]);
    const tls = { cert: ca.cert, key: ca.key };
    [proxy, sim, gh] = await Promise.all([
      startSquid({ hosts: { "sim.test": "127.0.0.1", "github.test": "127.0.0.1" }, auth: { user: USER, password: PASSWORD } }),
      startSimulator({ accounts: [{ key: KEY, balance: 1 }], timeScale: 0, tls }),
      startFakeGitHub({ token: TOKEN, tls, hostname: "github.test", prefix: "/api/v3" }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([proxy?.close(), sim?.close(), gh?.close()]);
    ca?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  async function runAction(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
    const all = { "api-key": KEY, "api-url": `https://sim.test:${sim.port}`, "github-token": TOKEN, ...inputs };
    const r = await runActionBundle({
      dir,
      inputs: all,
      github: gh,
      serverUrl: "https://github.test",
      env: { HTTPS_PROXY: proxy.authUrl, NODE_EXTRA_CA_CERTS: ca.caFile, ...extraEnv },
      timeoutMs: 60_000,
    });
    const { code, stdout } = r;
    const everything = [stdout, r.stderr, r.outputText, r.summary, JSON.stringify(gh.issues)].join("\n");
    // secrets appear only in the masking commands, which GitHub's runner consumes
    const printed = everything
      .split("\n")
      .filter((l) => !l.startsWith("::add-mask::"))
      .join("\n");
    for (const s of SECRETS) expect(printed.toLowerCase()).not.toContain(s.toLowerCase());
    return { code, everything: printed, stdout };
  }

  const logged = async (re: RegExp): Promise<string[]> => {
    for (let i = 0; i < 50; i++) {
      const lines = proxy.accessLog().filter((l) => re.test(l));
      if (lines.length > 0) return lines;
      await new Promise((r) => setTimeout(r, 100));
    }
    return [];
  };

  it("reads the balance and opens the tracking issue on GHES, both through the proxy", async () => {
    const r = await runAction({ batch: "recaptcha_v2=5000", "tracking-issue": "true" });
    expect(r.code).toBe(1); // short: the gate fails
    expect(r.everything).toContain("Tracking issue #1 opened");
    expect(gh.open()).toHaveLength(1);
    expect(gh.requests.every((q) => q.path.startsWith("/api/v3/repos/octo/repo/issues"))).toBe(true);
    expect(await logged(new RegExp(`TCP_TUNNEL/200 .*CONNECT sim\\.test:${sim.port} ${USER} `))).not.toHaveLength(0);
    expect(await logged(new RegExp(`TCP_TUNNEL/200 .*CONNECT github\\.test:${gh.url.split(":")[2]!.split("/")[0]} ${USER} `))).not.toHaveLength(0);
  });

  it("closes it through the proxy on recovery", async () => {
    sim.setBalance(KEY, 1000);
    const r = await runAction({ batch: "recaptcha_v2=5000", "tracking-issue": "true" });
    expect(r.code).toBe(0);
    expect(r.everything).toContain("closed");
    expect(gh.open()).toHaveLength(0);
  });

  it("without the proxy neither host can be reached (the names resolve only in the proxy)", async () => {
    const r = await runAction({ batch: "recaptcha_v2=5000", "tracking-issue": "true", "on-api-error": "fail", retries: "0" }, { HTTPS_PROXY: "" });
    expect(r.code).toBe(1);
    expect(r.everything).toContain("host not found");
    expect(r.everything).toMatch(/tracking issue could not be updated: GET \/repos\/octo\/repo\/issues failed: cannot reach https:\/\/github\.test:\d+\/api\/v3: .*ENOTFOUND/);
  });

  it("NO_PROXY: GitHub's host listed there is called directly (and, having no DNS name, fails), the provider still through the proxy", async () => {
    sim.setBalance(KEY, 1);
    const r = await runAction({ batch: "recaptcha_v2=5000", "tracking-issue": "true" }, { NO_PROXY: "localhost,github.test" });
    expect(r.code).toBe(1);
    expect(r.everything).toContain("Short");
    expect(r.everything).toMatch(/tracking issue could not be updated: GET \/repos\/octo\/repo\/issues failed: cannot reach https:\/\/github\.test:\d+\/api\/v3: .*ENOTFOUND/);
  });

  it("without the CA, the certificate is refused and named, for the provider and for GitHub", async () => {
    const r = await runAction({ batch: "recaptcha_v2=5000", "tracking-issue": "true" }, { NODE_EXTRA_CA_CERTS: "" });
    expect(r.code).toBe(1);
    expect(r.everything).toContain(`the TLS certificate of sim.test:${sim.port} was refused`);
    expect(r.everything).toMatch(/tracking issue could not be updated: .*cannot reach https:\/\/github\.test:\d+\/api\/v3: .*(certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/);
  });

  it("a proxy that refuses the password gets a clear message naming it, and the credentials stay hidden", async () => {
    const wrong = proxy.authUrl.replace(encodeURIComponent(PASSWORD), "nope-wrong");
    const r = await runAction({ batch: "recaptcha_v2=5000" }, { HTTPS_PROXY: wrong });
    expect(r.code).toBe(1);
    expect(r.everything).toContain(`the proxy ${proxy.url} refused to connect to sim.test:${sim.port}: HTTP 407`);
    expect(r.everything).not.toContain("nope-wrong");
  });
});

describe.runIf(!SQUID)("the action behind a proxy", () => {
  it("needs squid", () => {
    expect.fail("squid is not installed: apt-get install -y squid (.ci/run installs it)");
  });
});
