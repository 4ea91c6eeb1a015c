/** The HTTP side of the simulator: reading a request body, and delivering an answer (or the lack of one). */
import type http from "node:http";
import type { Outcome } from "./faults.ts";
import type { SimResponse } from "./protocol.ts";

const MAX_BODY_BYTES = 64 * 1024;

/** The request body as text; null when it is over 64 KiB (the connection is then closed) or failed. */
export function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise<string | null>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.socket.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(null));
    req.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** Sends `r` with its exact length, unless the response is already gone. */
export function send(res: http.ServerResponse, r: SimResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}

/** Carries out an outcome: sends it, cuts it mid-stream, drops the socket, or leaves the request hanging. */
export function deliver(req: http.IncomingMessage, res: http.ServerResponse, outcome: Outcome): void {
  if (outcome === "drop") {
    req.socket.destroy();
    return;
  }
  if (outcome === "hang") return; // the simulator's close() ends the connection
  if ("midStream" in outcome) {
    const r = outcome.midStream;
    res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) });
    res.write(r.body.slice(0, Math.max(1, Math.floor(r.body.length / 2))), () => res.destroy());
    return;
  }
  send(res, outcome);
}

/** Timers of delayed answers, so that closing the simulator can cut them short. */
export class Sleepers {
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const s = {
        timer: setTimeout(() => {
          this.#sleepers.delete(s);
          resolve();
        }, ms),
        done: resolve,
      };
      this.#sleepers.add(s);
    });
  }

  /** Ends every sleep now. */
  wakeAll(): void {
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.done();
    }
    this.#sleepers.clear();
  }
}
