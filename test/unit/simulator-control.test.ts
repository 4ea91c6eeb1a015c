/**
 * The simulator's control API, against a running simulator: its route table is the one
 * docs/simulator.md documents, every route answers (none falls through to the unknown-route
 * answer), and an unknown route or a body that is not a JSON object gets a message naming what is
 * expected.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/package.ts";
import { CONTROL_ROUTES } from "../../simulator/control.ts";
import { type Simulator, startSimulator } from "../../simulator/index.ts";

const KEY = "control-api-test-key-000000000000";

function documentedRoutes(): string[] {
  const doc = readFileSync(join(ROOT, "docs", "simulator.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Control API"), doc.indexOf("\n## ", doc.indexOf("## Control API") + 1));
  return [...section.matchAll(/^\| `((?:GET|POST|DELETE|PUT|PATCH) \/_sim\/[^`]*)` \|/gm)].map((m) => m[1]!);
}

describe("simulator control API", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, timeScale: 0, accounts: [{ key: KEY, id: "main", balance: 10 }] });
  });
  afterAll(() => sim.close());

  const call = async (route: string, body?: unknown) => {
    const [method, path] = route.split(" ") as [string, string];
    const r = await fetch(sim.url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it("serves exactly the routes docs/simulator.md lists", () => {
    expect(documentedRoutes().sort()).toEqual([...CONTROL_ROUTES].sort());
  });

  it("answers every route (a valid request each)", async () => {
    const bodies: Record<string, unknown> = {
      "POST /_sim/balance": { account: "main", balance: 5 },
      "POST /_sim/spend": { account: "main", spend: "steady" },
      "POST /_sim/fault": { fault: "ERROR_ZERO_BALANCE", times: 1 },
      "POST /_sim/time": { advanceSeconds: 60 },
    };
    for (const route of CONTROL_ROUTES) {
      const { status, json } = await call(route, bodies[route]);
      expect(status, route).toBeLessThan(300);
      expect(json, route).not.toHaveProperty("error");
    }
  });

  it("names every route when asked for an unknown one", async () => {
    const { status, json } = await call("GET /_sim/nothing");
    expect(status).toBe(404);
    expect(json["error"]).toBe(
      "unknown control route; expected GET /_sim/state, GET|DELETE /_sim/counts, POST /_sim/balance, " +
        "POST /_sim/spend, POST /_sim/fault, DELETE /_sim/faults, POST /_sim/time",
    );
  });

  it("refuses a body that is not a JSON object, before looking at the route", async () => {
    const r = await fetch(`${sim.url}/_sim/balance`, { method: "POST", body: "account=main" });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: "the request body must be JSON" });
    expect(await call("POST /_sim/nothing", [1])).toEqual({ status: 400, json: { error: "the request body must be a JSON object" } });
  });
});
