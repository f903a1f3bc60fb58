/**
 * Datastore layout. Ids are base32-encoded (lower case, file-system and IndexedDB safe,
 * no case folding issues) so that any string can be an execution, flow or owner id.
 *
 *   /qflow/x/a/<id>   execution record while the execution is not terminal (the active set)
 *   /qflow/x/t/<id>   execution record once terminal
 *   /qflow/f/<id>     flow pointer: latest version CID, version count, owner
 *   /qflow/keyring/…  the local keyring (see qlock/local-keyring.ts)
 */
import { base32 } from 'multiformats/bases/base32'
import { Key } from 'interface-datastore'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeId (id: string): string {
  return base32.baseEncode(encoder.encode(id))
}

/** The id a key name stands for; undefined for a name this store did not write. */
export function decodeId (name: string): string | undefined {
  try {
    return decoder.decode(base32.baseDecode(name))
  } catch {
    return undefined
  }
}

export const ACTIVE_PREFIX = '/qflow/x/a'
export const TERMINAL_PREFIX = '/qflow/x/t'
export const FLOW_PREFIX = '/qflow/f'

/** Where a pointer lives: an execution record in `a` (active) or `t` (terminal), a flow in `f`. */
export type RecordLocation = 'a' | 't' | 'f'

/** Keys of recent executions (a record is written at each step boundary): [active, terminal]. */
const execKeys = new Map<string, [Key | undefined, Key | undefined]>()
const EXEC_KEYS_MAX = 4096

/** The key of an execution's record in the active (`a`) or terminal (`t`) set. Keys are not mutated: callers share them. */
export function execKey (id: string, loc: 'a' | 't'): Key {
  let keys = execKeys.get(id)
  if (keys == null) {
    if (execKeys.size >= EXEC_KEYS_MAX) execKeys.clear()
    keys = [undefined, undefined]
    execKeys.set(id, keys)
  }
  const at = loc === 'a' ? 0 : 1
  return (keys[at] ??= new Key(`${loc === 'a' ? ACTIVE_PREFIX : TERMINAL_PREFIX}/${encodeId(id)}`))
}

export function flowKey (id: string): Key {
  return new Key(`${FLOW_PREFIX}/${encodeId(id)}`)
}

export function randomId (prefix: string): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(10))
  return prefix + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}
