// Seeded randomness for everything that draws: subset selection, shuffling, augmentation.
// xoshiro128** (Blackman & Vigna): 128 bits of state in four uint32s, fast in plain JS, and its
// state is a small array a checkpoint can store and restore exactly.

export type RngState = readonly [number, number, number, number];

/** The largest seed: every draw is seeded from 32 bits. */
export const MAX_SEED = 0xffffffff;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s3 = 1; // all-zero is a fixed point
  }

  /** A generator for `seed`, optionally on a named stream so independent uses never share draws. */
  static from(seed: number, stream = ''): Rng {
    // Seeds are 32 bits: a larger one would wrap onto another seed's draws (2^32 onto 0), so the
    // schema refuses it, and reaching here with one is a bug.
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed ${seed} is not a whole number in 0..${MAX_SEED}`);
    let h = splitmix32(seed);
    for (let i = 0; i < stream.length; i++) h = splitmix32(h ^ stream.charCodeAt(i));
    const a = splitmix32(h), b = splitmix32(a), c = splitmix32(b), d = splitmix32(c);
    return new Rng([a, b, c, d]);
  }

  /** A child generator whose draws do not overlap this one's (seeded from this one's output). */
  fork(stream: string): Rng {
    return Rng.from(this.nextU32(), stream);
  }

  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n). Multiply-shift; the bias is below 2^-32 * n, far under noise. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Integer in [lo, hi] inclusive, as torch.randint(lo, hi + 1). */
  intInclusive(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal by Box-Muller (one of the pair is dropped: simplicity over speed). */
  normal(): number {
    let u = this.float();
    while (u === 0) u = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
