/**
 * The consistent-hash ring (DeCandia et al. 2007, §4.2): every node and every key
 * hashes to a position on a ring of 2^32 points; a key belongs to the first node
 * at or after its position, walking clockwise, and its preference list is that node
 * followed by the next distinct nodes (§4.3). Positions come from the node names
 * alone (FNV-1a with MurmurHash3's finalizer), so the ring is the same on every seed. One token per node: the
 * paper's virtual nodes (§4.2) only spread load, which a simulation does not need.
 */
export function position(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // MurmurHash3's finalizer spreads names that differ in one character ("n1", "n2") around the ring.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Every node in ring order starting from the key's position: the first N are its home replicas (§4.3). */
export function preferenceList(key: string, nodes: readonly string[]): string[] {
  const ring = [...nodes].sort((a, b) => position(a) - position(b) || (a < b ? -1 : a > b ? 1 : 0));
  const at = position(key);
  let start = ring.findIndex((node) => position(node) >= at);
  if (start < 0) start = 0;
  return [...ring.slice(start), ...ring.slice(0, start)];
}
