/**
 * Solvers for tests, written the way a job would call a provider: the client-key createTask /
 * getTaskResult pair (throws the provider's errorCode like client libraries do), and legacy in.php /
 * res.php (returns the provider's text as it is). They talk to the simulator's solve calls.
 */
import { Agent, request } from "undici";

const agent = new Agent({ keepAliveTimeout: 1000, connections: 64 });

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly errorCode: string;
  readonly errorId: number;
  constructor(errorId: number, errorCode: string) {
    super(`the solver failed: ${errorCode}`);
    this.errorId = errorId;
    this.errorCode = errorCode;
  }
}

export async function solveClientKey(apiUrl: string, apiKey: string, task: Record<string, unknown>): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const r = await request(`${apiUrl}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      dispatcher: agent,
    });
    const json = (await r.body.json()) as Record<string, unknown>;
    if (json.errorId !== 0) throw new ProviderError(Number(json.errorId), String(json.errorCode));
    return json;
  };
  const created = await post("/createTask", { clientKey: apiKey, task });
  const result = await post("/getTaskResult", { clientKey: apiKey, taskId: created.taskId });
  return (result.solution as { gRecaptchaResponse: string }).gRecaptchaResponse;
}

/** Returns `OK|…` text on success and the provider's error text (e.g. ERROR_ZERO_BALANCE) otherwise. */
export async function solveLegacy(apiUrl: string, apiKey: string): Promise<string> {
  const r = await request(`${apiUrl}/in.php?${new URLSearchParams({ key: apiKey, method: "userrecaptcha" })}`, { dispatcher: agent });
  const text = await r.body.text();
  if (!text.startsWith("OK|")) return text;
  const got = await request(`${apiUrl}/res.php?${new URLSearchParams({ key: apiKey, action: "get", id: text.slice(3) })}`, { dispatcher: agent });
  return got.body.text();
}
