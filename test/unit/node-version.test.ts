import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from "../../cli/node-version.ts";

describe("the Node.js version check of the command", () => {
  it("requires the major version package.json's engines.node names", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_MAJOR}`);
  });

  it("accepts that version and later ones, including the Node running the tests", () => {
    expect(nodeVersionProblem("v24.0.0", "/usr/bin/node")).toBeUndefined();
    expect(nodeVersionProblem("v25.2.1", "/usr/bin/node")).toBeUndefined();
    expect(nodeVersionProblem(process.version, process.execPath)).toBeUndefined();
  });

  it("names the Node it found, where, and the one it needs", () => {
    expect(nodeVersionProblem("v20.20.2", "/usr/bin/node")).toBe(
      "captcha-runway needs Node.js 24 or later; this is Node.js v20.20.2 (/usr/bin/node). Install Node.js 24 and run it with that, or use the container image.",
    );
    expect(nodeVersionProblem("v23.11.0", "/opt/node/bin/node")).toMatch(/^captcha-runway needs Node\.js 24 or later; this is Node\.js v23\.11\.0 \(\/opt\/node\/bin\/node\)/);
    expect(nodeVersionProblem("garbage", "/x")).toMatch(/needs Node\.js 24 or later/);
  });
});
