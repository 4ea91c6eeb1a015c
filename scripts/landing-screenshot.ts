/**
 * Regenerates docs/images/landing.png, the README's picture of the landing page: runs the built CLI's
 * `exporter --demo` on a free loopback port (what `npm run demo` shows a newcomer), lets the demo
 * account spend for a while so its chart has history, and takes a screenshot in Debian's Chromium
 * through playwright-core (which downloads no browser).
 *
 *   npm run docs:screenshot [-- --wait 60s] [--out docs/images/landing.png]
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { sleep } from "../core/delays.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** A port nothing listens on now, on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const waitSeconds = Number.parseInt(arg("wait", "60s"), 10);
const out = arg("out", `${root}docs/images/landing.png`);
if (!Number.isInteger(waitSeconds) || waitSeconds < 5 || waitSeconds > 170) {
  throw new Error(`--wait: expected seconds from 5s to 170s (the demo runs dry after about 3 minutes), got '${arg("wait", "")}'`);
}
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
if (!existsSync(`${root}build/cli/main.js`)) throw new Error("build/cli/main.js not found: run npm run build first");

const port = await freePort();
const exporter = spawn(process.execPath, [`${root}build/cli/main.js`, "exporter", "--demo", "--web.listen-address", `127.0.0.1:${port}`], {
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  await sleep(waitSeconds * 1000);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 430 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${out}\n`);
} finally {
  exporter.kill("SIGTERM");
}
