const encoder = new TextEncoder();
// Reused scratch buffer: ids are short, so hashing allocates nothing on the hot path.
let scratch = new Uint8Array(256);

/**
 * MurmurHash3 x86 32-bit of the UTF-8 bytes of `key` — the hash Unleash uses for
 * stickiness. Synchronous and allocation-light, so bucketing stays in the µs range on
 * the edge (Web Crypto digests are async and far slower).
 */
export function murmur3(key: string, seed = 0): number {
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
  const bytes = scratch;
  const length = encoder.encodeInto(key, bytes).written;
  const blocks = length & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= (bytes[blocks + 2] as number) << 16;
    if (tail >= 2) k ^= (bytes[blocks + 1] as number) << 8;
    k ^= bytes[blocks] as number;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
