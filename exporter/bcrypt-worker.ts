/**
 * Worker thread for basic-auth bcrypt comparisons (exporter/basic-auth.ts): bcryptjs is pure
 * JavaScript and costs tens to hundreds of milliseconds of CPU per check, which on the main thread
 * would delay every scrape. One message in, one answer out; nothing is kept.
 */
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

export interface CompareRequest {
  readonly id: number;
  readonly password: string;
  readonly hash: string;
}

export interface CompareAnswer {
  readonly id: number;
  readonly ok: boolean;
}

parentPort?.on("message", (m: CompareRequest) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    ok = false;
  }
  parentPort!.postMessage({ id: m.id, ok } satisfies CompareAnswer);
});
