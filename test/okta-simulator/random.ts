/**
 * Deterministic randomness. Every generated value comes from a seed plus the object's kind and
 * index, so an object renders identically each time without being stored.
 */

/** A source of uniform numbers in [0, 1) with a few helpers. */
export interface Random {
  next(): number;
  /** Whole number in [min, max]. */
  int(min: number, max: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; `entries` are [value, weight] pairs. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
}

/** Mixes numbers into one 32-bit hash (murmur3 finaliser per part), used to derive sub-seeds. */
export function hashNumbers(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Kinds of derived streams, so user 7 and group 7 do not share randomness. */
export const STREAM = {
  userStatus: 1,
  userRender: 2,
  userId: 3,
  groupId: 4,
  groupShape: 5,
  groupRender: 6,
  appId: 7,
  appShape: 8,
  appRender: 9,
  appUserRender: 10,
  appGroupRender: 11,
  requestId: 12,
  userProvider: 13,
  userName: 14,
  userTypeId: 15,
  appAssign: 16,
  latency: 17,
} as const;

/** A mulberry32 generator for the stream (seed, kind, ...index parts). */
export function randomFor(seed: number, kind: number, ...index: number[]): Random {
  return new Mulberry32(hashNumbers(seed, kind, ...index));
}

/** mulberry32 as a class: no closures per instance, which matters when millions are rendered. */
class Mulberry32 implements Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base-62 characters drawn from `random`. */
export function base62(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[Math.floor(random.next() * 62)];
  return out;
}

/** `k` distinct values from `pool` (Floyd's algorithm), sorted ascending. */
export function sampleSorted(random: Random, pool: Uint32Array, k: number): Uint32Array {
  const n = pool.length;
  const take = Math.min(k, n);
  const chosen = new Set<number>();
  for (let j = n - take; j < n; j++) {
    const t = random.int(0, j);
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = new Uint32Array(take);
  let i = 0;
  for (const position of chosen) out[i++] = pool[position] ?? 0;
  return out.sort();
}
