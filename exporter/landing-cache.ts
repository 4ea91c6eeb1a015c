/**
 * The landing page as served: one rendered copy shared by every visitor, re-rendered at most once per
 * `maxAgeMs` (its "42 s ago" texts are good to the second) and only when someone asks. Visitors
 * arriving while a new copy renders get the previous one if it is younger than `maxStaleMs`, else
 * they wait for the render in progress; concurrent visitors never cause more than one render. So a
 * hundred browsers cost what one does, and the page's O(accounts) work stays off the scrapes' path.
 */
export interface LandingCacheOptions {
  /** Re-render when the copy is older than this (default 1 s). */
  readonly maxAgeMs?: number;
  /** Serve the previous copy during a re-render if it is younger than this (default 10 s). */
  readonly maxStaleMs?: number;
  readonly now?: () => number;
}

export class LandingCache {
  readonly #render: () => Promise<string>;
  readonly #maxAgeMs: number;
  readonly #maxStaleMs: number;
  readonly #now: () => number;
  #page: Buffer | null = null;
  #renderedAt = 0;
  #rendering: Promise<Buffer> | null = null;
  #renders = 0;

  constructor(render: () => Promise<string>, options: LandingCacheOptions = {}) {
    this.#render = render;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#maxStaleMs = options.maxStaleMs ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** How many times the page was rendered (tests, benchmarks). */
  get renders(): number {
    return this.#renders;
  }

  get(): Promise<Buffer> {
    const age = this.#now() - this.#renderedAt;
    if (this.#page && age < this.#maxAgeMs) return Promise.resolve(this.#page);
    this.#rendering ??= this.#renderNow();
    const rendering = this.#rendering;
    if (this.#page && age < this.#maxStaleMs) return Promise.resolve(this.#page);
    return rendering;
  }

  async #renderNow(): Promise<Buffer> {
    try {
      const startedAt = this.#now();
      this.#renders++;
      const page = Buffer.from(await this.#render(), "utf8");
      this.#page = page;
      this.#renderedAt = startedAt;
      return page;
    } finally {
      this.#rendering = null;
    }
  }
}
