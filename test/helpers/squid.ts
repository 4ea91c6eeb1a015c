/**
 * A real forward proxy for tests: Debian's squid, started on a free loopback port with a configuration
 * of its own (no cache, no ICP/HTCP, logs in a temporary folder), optionally requiring basic auth, and
 * with a hosts file of its own, so that names like `sim.test` resolve for the proxy only: a request that
 * succeeds for such a name has gone through the proxy, and the access log shows it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SQUID = ["/usr/sbin/squid", "/usr/bin/squid"].find((p) => existsSync(p));
const NCSA_AUTH = "/usr/lib/squid/basic_ncsa_auth";

export interface Squid {
  /** http://127.0.0.1:PORT (no credentials). */
  readonly url: string;
  readonly port: number;
  /** http://user:password@127.0.0.1:PORT when auth is on, else `url`. */
  readonly authUrl: string;
  /** The access log's lines so far (squid's native format: time elapsed client code/status bytes method URL user ...). */
  accessLog(): string[];
  close(): Promise<void>;
}

export interface SquidOptions {
  /** Require basic auth with this user and password. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** name → address, for the proxy's own resolution (loopback addresses only). */
  readonly hosts?: Readonly<Record<string, string>>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
    sock.connect(port, "127.0.0.1");
  });
}

export async function startSquid(opts: SquidOptions = {}): Promise<Squid> {
  if (!SQUID) throw new Error("squid is not installed: apt-get install -y squid");
  const dir = mkdtempSync(join(tmpdir(), "squid-test-"));
  // squid started as root runs as its own user, which must write the logs
  chmodSync(dir, 0o777);
  const port = await freePort();
  for (const addr of Object.values(opts.hosts ?? {})) {
    if (!/^127\.|^::1$/.test(addr)) throw new Error(`squid test hosts must be loopback addresses, got ${addr}`);
  }
  writeFileSync(join(dir, "hosts"), Object.entries(opts.hosts ?? {}).map(([name, addr]) => `${addr} ${name}\n`).join(""));
  const lines = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${join(dir, "squid.pid")}`,
    `access_log stdio:${join(dir, "access.log")}`,
    `cache_log ${join(dir, "cache.log")}`,
    `cache_store_log none`,
    `coredump_dir ${dir}`,
    `hosts_file ${join(dir, "hosts")}`,
    "cache deny all",
    "cache_mem 8 MB",
    "icp_port 0",
    "htcp_port 0",
    "pinger_enable off",
    "shutdown_lifetime 0 seconds",
    "visible_hostname squid-test",
    "dns_timeout 2 seconds",
    "forward_timeout 5 seconds",
    "connect_timeout 5 seconds",
    "acl loopback src 127.0.0.0/8",
  ];
  if (opts.auth) {
    const hash = execFileSync("openssl", ["passwd", "-apr1", opts.auth.password], { encoding: "utf8" }).trim();
    writeFileSync(join(dir, "passwd"), `${opts.auth.user}:${hash}\n`);
    chmodSync(join(dir, "passwd"), 0o644);
    lines.push(
      `auth_param basic program ${NCSA_AUTH} ${join(dir, "passwd")}`,
      "auth_param basic realm squid-test",
      "acl authed proxy_auth REQUIRED",
      "http_access deny !loopback",
      "http_access allow authed",
      "http_access deny all",
    );
  } else {
    lines.push("http_access allow loopback", "http_access deny all");
  }
  writeFileSync(join(dir, "squid.conf"), `${lines.join("\n")}\n`);
  const child: ChildProcess = spawn(SQUID, ["-N", "-f", join(dir, "squid.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // bounded wait for the port (squid takes about a second)
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, "cache.log")) ? readFileSync(join(dir, "cache.log"), "utf8") : "";
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`squid exited with ${child.exitCode}: ${stderr}${log.slice(-2000)}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`squid did not listen on 127.0.0.1:${port} within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  const authUrl = opts.auth
    ? `http://${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@127.0.0.1:${port}`
    : url;
  return {
    url,
    port,
    authUrl,
    accessLog() {
      // squid writes a line when a transaction ends; stdio logs are flushed per line
      const file = join(dir, "access.log");
      return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "") : [];
    },
    async close() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
