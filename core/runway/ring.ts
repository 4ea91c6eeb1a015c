/**
 * A fixed-size ring of equal-width time bins, each holding the amount spent and the seconds observed
 * ("coverage") inside it. Memory is constant whatever the uptime; a bin is recycled once it falls
 * more than `count` bins behind the newest one.
 *
 * Bins are single precision (Float32Array: 8 bytes a bin, half of double): a bin sums at most a few
 * thousand samples' spend, and seven significant digits are far finer than any estimate drawn from
 * them, while the exporter keeps one estimator per account.
 */
export class BinRing {
  readonly width: number;
  readonly count: number;
  readonly spend: Float32Array;
  readonly cover: Float32Array;
  /** Absolute index (floor(t / width)) of the newest bin; -Infinity while empty. */
  head = Number.NEGATIVE_INFINITY;

  /** Bytes a ring of `count` bins takes in a buffer (see the constructor). */
  static bytes(count: number): number {
    return 2 * count * Float32Array.BYTES_PER_ELEMENT;
  }

  /**
   * The bins live in `buffer` from `byteOffset` on (BinRing.bytes(count) of it), so an owner can
   * keep several rings in one allocation; by default in a buffer of their own.
   */
  constructor(width: number, count: number, buffer = new ArrayBuffer(BinRing.bytes(count)), byteOffset = 0) {
    this.width = width;
    this.count = count;
    this.spend = new Float32Array(buffer, byteOffset, count);
    this.cover = new Float32Array(buffer, byteOffset + count * Float32Array.BYTES_PER_ELEMENT, count);
  }

  slot(bin: number): number {
    const r = bin % this.count;
    return r < 0 ? r + this.count : r;
  }

  /** Makes the bin containing time `t` the newest one, clearing recycled bins. */
  advanceTo(t: number): void {
    const bin = Math.floor(t / this.width);
    if (bin <= this.head) return;
    const first = Math.max(this.head + 1, bin - this.count + 1);
    for (let b = first; b <= bin; b++) {
      const s = this.slot(b);
      this.spend[s] = 0;
      this.cover[s] = 0;
    }
    this.head = bin;
  }

  /**
   * Spreads `amount` evenly over the interval [t0, t1) and counts the interval as observed. Parts
   * older than the ring are dropped. Work is bounded by the ring size.
   */
  addInterval(t0: number, t1: number, amount: number): void {
    if (!(t1 > t0)) return;
    this.advanceTo(t1);
    const w = this.width;
    const span = t1 - t0;
    const firstBin = Math.max(Math.floor(t0 / w), this.head - this.count + 1);
    const lastBin = Math.min(Math.floor(t1 / w), this.head);
    for (let b = firstBin; b <= lastBin; b++) {
      const start = b * w;
      const overlap = Math.min(t1, start + w) - Math.max(t0, start);
      if (overlap <= 0) continue;
      const s = this.slot(b);
      if (amount !== 0) this.spend[s]! += (amount * overlap) / span;
      this.cover[s]! += overlap;
    }
  }

  /** True when absolute bin `b` is still held by the ring. */
  holds(b: number): boolean {
    return b <= this.head && b > this.head - this.count;
  }
}
