/**
 * A small seeded PRNG (mulberry32): the same seed gives the same trees, mutations and kill points on every
 * machine, so a failure printed with its seed can be replayed. Not for anything that needs real randomness.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight: `{ file: 3, dir: 1 }` gives "file" three times as often as "dir". */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let left = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [key, weight] of entries) {
      left -= weight;
      if (left < 0) return key;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  /** `size` pseudo-random bytes, four at a time (megabytes of test content: no call per byte). */
  bytes(size: number): Buffer {
    const words = new Uint32Array(Math.ceil(size / 4));
    for (let index = 0; index < words.length; index++) words[index] = this.next() * 4294967296;
    return Buffer.from(words.buffer, 0, size);
  }
}
