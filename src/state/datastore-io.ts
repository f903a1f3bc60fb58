/**
 * Small helpers over `interface-datastore` / `interface-blockstore` shared by the store and
 * the keyring.
 */
import type { Datastore, Key } from 'interface-datastore'

/** The value under `key`, or undefined when there is none (every store throws NotFoundError). */
export async function getOptional (datastore: Pick<Datastore, 'get'>, key: Key): Promise<Uint8Array | undefined> {
  try {
    return await datastore.get(key)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
}

/** Joins the chunks a blockstore `get` yields. */
export async function collectBytes (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks) {
    parts.push(chunk)
    length += chunk.length
  }
  if (parts.length === 1) return parts[0]
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
