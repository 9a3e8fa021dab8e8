// 64-bit string hashes used as row ids. Ids derived from content (not autoincrement) mean two
// processes that import the same request, model or project produce the same id, so merging
// their databases is a plain upsert with no id remapping.

/** Two independent 32-bit FNV-1a/murmur-mixed lanes over UTF-16 code units, as a signed 64-bit BigInt. */
export function hash64(text: string): bigint {
  let h1 = 0x811c9dc5 ^ text.length;
  let h2 = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return BigInt.asIntN(64, (BigInt(h1 >>> 0) << 32n) | BigInt(h2 >>> 0));
}
