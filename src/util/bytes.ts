/** Byte helpers shared by the domains that read blocks (state, sandbox, trust). */

/** Joins byte chunks into one array (the chunk itself when there is only one). */
export function concatBytes (parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

/** Joins what a blockstore `get` yields: bytes, or a (sync or async) stream of chunks. */
export async function collectBytes (chunks: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (chunks instanceof Uint8Array) return chunks
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return concatBytes(parts)
}
