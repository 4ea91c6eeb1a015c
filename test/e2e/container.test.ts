/**
 * The container image, built and run for real with Debian's podman: the unchanged Dockerfile against
 * a local stand-in for node:24-bookworm-slim (test/helpers/node-stand-in.sh; no registry here), from
 * a throw-away checkout of the working tree with a stray key file and the key in the environment of
 * the build, so a Dockerfile or .dockerignore that let either in would be caught by the layer scan.
 * The README's `podman build` and `podman run` commands are the ones run (adapted only where the
 * README says: the test's tag, key file and volume, host network, the simulator's URL). The running
 * container is read-only, uid 10001, watched by a real Prometheus; SIGTERM (podman stop) must exit 0
 * with the state file in the volume. Bad input exits 2 naming the path.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type Simulator, startSimulator } from "../../simulator/index.ts";
import { shardOf } from "../../exporter/shard.ts";
import { exporterContainer, kubectlMissing, kustomize } from "../helpers/kustomize.ts";
import { ROOT, workingTreeCheckout } from "../helpers/package.ts";
import { newKey } from "../integration/exporter-harness.ts";
import { BASE_IMAGE, ensureNodeStandIn, findSecret, podman, podmanAsync, podmanMissing, podmanOk, ULIMITS } from "../helpers/podman.ts";
import { freePort, instantQuery, prometheusMissing, type RunningPrometheus, sleep, startPrometheus, waitFor } from "../helpers/prometheus.ts";

const missing = podmanMissing() ?? prometheusMissing();
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; repository: { url: string }; license: string };
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** A shell command from the README's Install section, continuation lines joined, split into words. */
function readmeCommand(start: string): string[] {
  const section = README.slice(README.indexOf("## Install"), README.indexOf("\n## ", README.indexOf("## Install") + 1));
  const lines = section.split("\n");
  const i = lines.findIndex((l) => l.startsWith(start));
  if (i < 0) throw new Error(`README's Install section has no command starting with '${start}'`);
  let cmd = "";
  for (let j = i; j < lines.length; j++) {
    cmd += lines[j]!.replace(/\\$/, " ");
    if (!lines[j]!.endsWith("\\")) break;
  }
  return cmd.trim().split(/\s+/);
}

/** Replaces one word (or a flag and its value) of a README command, failing when it is not there. */
function swap(words: string[], from: string, to: string[]): string[] {
  const seq = from.split(" ");
  const at = words.findIndex((_, k) => seq.every((s, n) => words[k + n] === s));
  if (at < 0) throw new Error(`README command lacks '${seq.join(" ")}': ${words.join(" ")}`);
  return [...words.slice(0, at), ...to, ...words.slice(at + seq.length)];
}

describe.skipIf(missing !== null)("container image", () => {
  const id = randomBytes(4).toString("hex");
  const tag = `localhost/captcha-runway:suite-${id}`;
  const key = newKey();
  const volume = `captcha-runway-suite-${id}`;
  const names: string[] = [];
  let dir: string;
  let keyFile: string;
  let revision: string;
  let sim: Simulator;
  let prom: RunningPrometheus | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "captcha-runway-ctr-"));
    await ensureNodeStandIn();
    const src = workingTreeCheckout(dir);
    revision = execFileSync("git", ["rev-parse", "HEAD"], { cwd: src, encoding: "utf8" }).trim();
    // Bait: a key file and a .env in the build context, the key in the build's environment.
    writeFileSync(join(src, "api-key"), key);
    writeFileSync(join(src, ".env"), `CAPTCHA_API_KEY=${key}\n`);
    // README: podman build --build-arg REVISION="$(git rev-parse HEAD)" -t localhost/captcha-runway .
    let build = readmeCommand("podman build");
    build = swap(build, '--build-arg REVISION="$(git rev-parse HEAD)"', ["--build-arg", `REVISION=${revision}`]);
    build = swap(build, "-t localhost/captcha-runway", ["-t", tag]);
    const r = await podmanAsync([build[1]!, ...ULIMITS, "--network=host", "--pull=never", ...build.slice(2)].map((w) => (w === "." ? src : w)), 900_000, {
      ...process.env,
      CAPTCHA_API_KEY: key,
    });
    if (r.code !== 0) throw new Error(`podman build failed (exit ${r.code}):\n${r.out}`);
    keyFile = join(dir, "api-key");
    writeFileSync(keyFile, `${key}\n`);
    // README: chown 10001:10001 /etc/captcha-runway/api-key && chmod 0400 /etc/captcha-runway/api-key
    chownSync(keyFile, 10001, 10001);
    chmodSync(keyFile, 0o400);
    sim = await startSimulator({ port: 0, accounts: [{ key, id: "ctr", balance: 42.5 }] });
  }, 1_200_000);

  afterAll(async () => {
    await prom?.stop();
    await sim?.close();
    for (const n of names) podman(["rm", "--force", "--time", "0", n]);
    podman(["volume", "rm", "--force", volume]);
    podman(["rmi", "--force", tag]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is built on the official base image's name, with OCI labels, uid 10001, the volume and port 9877", () => {
    const [info] = JSON.parse(podmanOk(["image", "inspect", tag])) as {
      Size: number;
      Config: { User: string; ExposedPorts: Record<string, unknown>; Volumes: Record<string, unknown>; Labels: Record<string, string>; Env: string[]; StopSignal?: string };
    }[];
    const c = info!.Config;
    expect(c.User).toBe("10001:10001");
    expect(Object.keys(c.ExposedPorts)).toEqual(["9877/tcp"]);
    expect(Object.keys(c.Volumes)).toEqual(["/var/lib/captcha-runway"]);
    expect(c.Labels).toMatchObject({
      "org.opencontainers.image.version": pkg.version,
      "org.opencontainers.image.revision": revision,
      "org.opencontainers.image.source": pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, ""),
      "org.opencontainers.image.licenses": pkg.license,
    });
    expect(readFileSync(join(ROOT, "Dockerfile"), "utf8")).toMatch(new RegExp(`^FROM ${BASE_IMAGE.replace(/\./g, "\\.")} AS build$`, "m"));
    const base = JSON.parse(podmanOk(["image", "inspect", `localhost/${BASE_IMAGE}`]))[0].Size as number;
    console.info(`container: image ${info!.Size} B (${(info!.Size / 1e6).toFixed(0)} MB), of which ${info!.Size - base} B above the base stand-in (${(base / 1e6).toFixed(0)} MB)`);
  });

  it("holds production dependencies only, no sources or tests", () => {
    const ls = (path: string) => podmanOk(["run", "--rm", ...ULIMITS, "--network=none", "--read-only", "--entrypoint", "ls", tag, "-A", path]).split("\n").filter(Boolean);
    const modules = ls("/opt/captcha-runway/node_modules");
    for (const dep of ["express", "prom-client", "yaml", "yargs", "bcryptjs"]) expect(modules).toContain(dep);
    for (const dev of ["typescript", "vitest", "esbuild", "@biomejs", "node", "playwright-core"]) expect(modules).not.toContain(dev);
    expect(ls("/opt/captcha-runway").sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "build", "grafana", "node_modules", "package.json"]);
  });

  it("has the key nowhere in its layers, history or configuration, in any case or encoding", () => {
    const archive = join(dir, "image.tar");
    podmanOk(["save", "--format", "docker-archive", "-o", archive, tag]);
    const bytes = readFileSync(archive);
    // the layers are stored uncompressed, so file contents are there to be found
    expect(bytes.indexOf(Buffer.from("captcha_exporter_build_info"))).toBeGreaterThan(-1);
    expect(findSecret(bytes, key)).toEqual([]);
    const meta = Buffer.from(podmanOk(["history", "--no-trunc", "--format", "{{.CreatedBy}} {{.Comment}}", tag]) + podmanOk(["image", "inspect", tag]));
    expect(findSecret(meta, key)).toEqual([]);
    rmSync(archive);
  });

  it("runs read-only as uid 10001 against the simulator, scraped by Prometheus; SIGTERM writes the state into the volume, exit 0", async () => {
    const port = await freePort();
    const name = `captcha-runway-suite-${id}`;
    names.push(name);
    podmanOk(["volume", "create", volume]);
    // README: podman run -d --name captcha-runway --read-only --user 10001:10001 -p 9877:9877 -v ... localhost/captcha-runway exporter ...
    let run = readmeCommand("podman run");
    run = swap(run, "--name captcha-runway", ["--name", name]);
    run = swap(run, "-p 9877:9877", ["--network=host", ...ULIMITS, "--read-only-tmpfs=false"]);
    run = swap(run, "captcha-runway-state:/var/lib/captcha-runway", [`${volume}:/var/lib/captcha-runway`]);
    run = swap(run, "/etc/captcha-runway/api-key:/run/secrets/captcha-api-key:ro", [`${keyFile}:/run/secrets/captcha-api-key:ro`]);
    run = swap(run, "localhost/captcha-runway", [tag]);
    run = [...run.slice(1), "--api-url", sim.url, "--web.listen-address", `127.0.0.1:${port}`];
    expect(run.slice(0, 2)).toEqual(["run", "-d"]);
    podmanOk(run);

    prom = await startPrometheus({ targets: [`127.0.0.1:${port}`] });
    const balance = await waitFor(
      "Prometheus to scrape the container's balance",
      async () => {
        const state = podmanOk(["inspect", "--format", "{{.State.Status}}", name]).trim();
        if (state !== "running") throw new Error(`container ${state}: ${podman(["logs", name]).stderr}`);
        const s = await instantQuery(prom!.url, 'captcha_balance{account="captchaai",provider="captchaai"}');
        return s.length === 1 ? Number(s[0]!.value[1]) : undefined;
      },
      60_000,
    );
    expect(balance).toBe(42.5);
    const up = await instantQuery(prom.url, 'up{job="captcha-runway"}');
    expect(up.map((s) => s.value[1])).toEqual(["1"]);
    const info = await instantQuery(prom.url, "captcha_exporter_build_info");
    expect(info[0]?.metric).toMatchObject({ version: pkg.version, revision: revision.slice(0, 12) });
    expect(info[0]?.metric.nodejs).toMatch(/^v24\./);

    // idle: nothing to do between polls; the kernel's view of the container's PID 1, and its own metric
    await sleep(5_000);
    const pid = podmanOk(["inspect", "--format", "{{.State.Pid}}", name]).trim();
    const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    const rssMetric = await instantQuery(prom.url, "process_resident_memory_bytes");
    console.info(`container: idle RSS ${(rssKiB / 1024).toFixed(1)} MiB (VmRSS of PID 1), process_resident_memory_bytes ${(Number(rssMetric[0]?.value[1]) / 1024 / 1024).toFixed(1)} MiB`);
    expect(rssKiB).toBeGreaterThan(0);
    // PID 1 is the exporter itself: node (Node flags allowed: it may re-execute itself in place), no
    // shell or wrapper in between to swallow SIGTERM
    const pid1 = podmanOk(["exec", name, "cat", "/proc/1/cmdline"]).split("\0");
    expect(pid1[0]).toMatch(/(^|\/)node$/);
    const script = pid1.indexOf("/opt/captcha-runway/build/cli/main.js");
    expect(script, pid1.join(" ")).toBeGreaterThan(0);
    expect(pid1[script + 1]).toBe("exporter");

    const stopped = podman(["stop", "--time", "20", name]);
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(podmanOk(["inspect", "--format", "{{.State.ExitCode}}", name]).trim()).toBe("0");
    const logs = podman(["logs", name]);
    expect(logs.stderr).toMatch(/msg="shutting down" signal=SIGTERM/);
    expect(logs.stderr).toMatch(/msg="exporter stopped" state_file=\.\/captcha-runway-state\.json/);
    const mount = podmanOk(["volume", "inspect", "--format", "{{.Mountpoint}}", volume]).trim();
    const stateFile = join(mount, "captcha-runway-state.json");
    const st = statSync(stateFile);
    expect(st.uid).toBe(10001);
    const state = readFileSync(stateFile);
    expect(JSON.parse(state.toString("utf8")).accounts[0]).toMatchObject({ account: "captchaai", provider: "captchaai", balance: 42.5 });
    for (const text of [state, Buffer.from(logs.stdout + logs.stderr)]) expect(findSecret(text, key)).toEqual([]);
  }, 180_000);

  it("runs the Kubernetes StatefulSet's rendered image and args (deploy/kubernetes/overlays/sharded) as its securityContext says: one shard's accounts", async () => {
    if (kubectlMissing()) expect.fail(kubectlMissing()!);
    const objects = kustomize("overlays/sharded");
    const workload = objects.find((o) => o.kind === "StatefulSet")!;
    const c = exporterContainer(objects);
    // the image the manifests name is the one the README builds, at the package's version
    expect(c.image).toBe(`localhost/captcha-runway:${pkg.version}`);
    const configMap = objects.find((o) => o.kind === "ConfigMap")!;
    const accounts = (parseYaml(configMap.data["accounts.yml"]) as { accounts: { name: string; provider: string; api_key_file: string }[] }).accounts;
    const total = workload.spec.replicas as number;
    const ordinal = [...Array(total).keys()].find((o) => accounts.some((a) => shardOf(a.name, total) === o))!;
    const own = accounts.filter((a) => shardOf(a.name, total) === ordinal).map((a) => a.name);
    // the rendered accounts file, pointed at a simulator; one key file per account, as the Secret holds them
    const keys = Object.fromEntries(accounts.map((a) => [a.name, newKey()]));
    const ksim = await startSimulator({ port: 0, accounts: accounts.map((a) => ({ id: a.name, key: keys[a.name]!, flavour: a.provider as never, balance: 10 })) });
    try {
      const mounts = Object.fromEntries((c.volumeMounts as { name: string; mountPath: string }[]).map((m) => [m.name, m.mountPath]));
      const host = { accounts: join(dir, "k8s-config"), keys: join(dir, "k8s-keys"), state: join(dir, "k8s-state") };
      for (const d of Object.values(host)) mkdirSync(d);
      const pointed = { accounts: accounts.map((a) => ({ ...a, api_url: ksim.url })) };
      writeFileSync(join(host.accounts, "accounts.yml"), stringifyYaml(pointed));
      for (const a of accounts) {
        expect(a.api_key_file.startsWith(`${mounts.keys}/`)).toBe(true);
        const f = join(host.keys, a.api_key_file.slice(mounts.keys!.length + 1));
        writeFileSync(f, keys[a.name]!);
        chownSync(f, 10001, 10001);
        chmodSync(f, 0o400);
      }
      chownSync(host.state, 10001, 10001);
      const port = await freePort();
      const args = (c.args as string[]).map((a) => (a === "--web.listen-address=:9877" ? `--web.listen-address=127.0.0.1:${port}` : a));
      expect(args).not.toEqual(c.args);
      const sc = c.securityContext;
      expect(sc).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      const name = `captcha-runway-k8s-${id}`;
      names.push(name);
      podmanOk([
        "run", "-d", "--name", name, ...ULIMITS, "--network=host",
        "--read-only", "--read-only-tmpfs=false", "--security-opt=no-new-privileges", "--cap-drop=ALL",
        `--user=${workload.spec.template.spec.securityContext.runAsUser}:${workload.spec.template.spec.securityContext.runAsGroup}`,
        "-e", `POD_NAME=captcha-runway-${ordinal}`,
        "-v", `${host.accounts}:${mounts.accounts}:ro`, "-v", `${host.keys}:${mounts.keys}:ro`, "-v", `${host.state}:${mounts.state}`,
        tag, ...args,
      ]);
      const url = `http://127.0.0.1:${port}`;
      const ready = await waitFor(
        "the container to be ready",
        async () => {
          const state = podmanOk(["inspect", "--format", "{{.State.Status}}", name]).trim();
          if (state !== "running") throw new Error(`container ${state}: ${podman(["logs", name]).stderr}`);
          const r = await fetch(`${url}/-/ready`).catch(() => null);
          return r?.status === 200 ? r.text() : undefined;
        },
        60_000,
      );
      expect(ready).toBe(`Ready: every account of shard ${ordinal} of ${total} (${own.length} own account${own.length === 1 ? "" : "s"}, 0 pending) checked\n`);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`captcha_exporter_shard_ordinal ${ordinal}\n`);
      expect(metrics).toContain(`captcha_exporter_total_shards ${total}\n`);
      const polled = Object.entries(ksim.counts().accounts).filter(([, n]) => n.total > 0).map(([a]) => a).sort();
      expect(polled).toEqual([...own].sort());
      const stopped = podman(["stop", "--time", String(workload.spec.template.spec.terminationGracePeriodSeconds), name]);
      expect(stopped.status, stopped.stderr).toBe(0);
      expect(podmanOk(["inspect", "--format", "{{.State.ExitCode}}", name]).trim()).toBe("0");
      const stateArg = args.find((a) => a.startsWith("--state.file="))!.slice("--state.file=".length);
      const state = JSON.parse(readFileSync(join(host.state, stateArg.slice(mounts.state!.length + 1)), "utf8")) as { accounts: { account: string }[] };
      expect(state.accounts.map((a) => a.account).sort()).toEqual([...own].sort());
      console.info(`container: the sharded StatefulSet's args as pod captcha-runway-${ordinal}: ${own.length} of ${accounts.length} accounts polled (balance calls: ${JSON.stringify(Object.fromEntries(Object.entries(ksim.counts().accounts).map(([a, n]) => [a, n.total])))})`);
    } finally {
      await ksim.close();
    }
  }, 180_000);

  /**
   * A short-lived container as the README runs it, with one thing broken; exit code and output. Not
   * spawnSync: the simulator answering it lives in this process's event loop.
   */
  const runBroken = (mounts: string[], args: string[], env: NodeJS.ProcessEnv = process.env) =>
    podmanAsync(["run", "--rm", ...ULIMITS, "--network=host", "--read-only", "--read-only-tmpfs=false", "--user", "10001:10001", ...mounts, tag, ...args], 60_000, env);
  const exporterArgs = () => ["exporter", "--provider", "captchaai", "--api-url", sim.url, "--web.listen-address", "127.0.0.1:0"];

  it("a missing key file: exit 2 naming the path", async () => {
    const r = await runBroken([], [...exporterArgs(), "--api-key-file", "/run/secrets/captcha-api-key"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--api-key-file: cannot read the API key file \/run\/secrets\/captcha-api-key \(no such file\)/);
  });

  it("a state volume it cannot write: exit 2 naming the path and why (owned by root; mounted read-only)", async () => {
    const rootOwned = join(dir, "root-owned");
    mkdirSync(rootOwned, { mode: 0o755 });
    const keyMount = ["-v", `${keyFile}:/run/secrets/captcha-api-key:ro`];
    const denied = await runBroken([...keyMount, "-v", `${rootOwned}:/var/lib/captcha-runway`], [...exporterArgs(), "--api-key-file", "/run/secrets/captcha-api-key"]);
    expect(denied.code).toBe(2);
    expect(denied.out).toMatch(
      /--state\.file \.\/captcha-runway-state\.json: cannot create files in \/var\/lib\/captcha-runway \(permission denied, running as uid 10001 gid 10001\)/,
    );
    const readOnly = await runBroken([...keyMount, "-v", `${join(dir, "root-owned")}:/var/lib/captcha-runway:ro`], [...exporterArgs(), "--api-key-file", "/run/secrets/captcha-api-key"]);
    expect(readOnly.code).toBe(2);
    expect(readOnly.out).toMatch(/cannot create files in \/var\/lib\/captcha-runway \((read-only file system|permission denied)/);
    for (const r of [denied, readOnly]) expect(findSecret(Buffer.from(r.out), key)).toEqual([]);
  });

  it("takes the key from the environment as well (-e NAME, the value never on the command line)", async () => {
    const r = await runBroken(["-e", "CAPTCHA_API_KEY"], ["balance", "--provider", "captchaai", "--api-url", sim.url], { ...process.env, CAPTCHA_API_KEY: key });
    expect(r).toMatchObject({ code: 0, out: "42.50 USD\n" });
  });
});

describe.runIf(missing !== null)("container image", () => {
  it("needs podman, runc, mmdebstrap and Prometheus", () => {
    expect.fail(missing!);
  });
});
