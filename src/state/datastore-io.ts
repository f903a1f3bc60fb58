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

export { collectBytes } from '../util/bytes.js'
