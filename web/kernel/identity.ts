/**
 * Which identity this tab runs as. Identities live in the IndexedDB keystore; the tab's choice
 * lives in sessionStorage (it survives a reload, not a new tab), and a Web Lock held for the
 * tab's lifetime guarantees that two tabs never run as the same identity (and so never share
 * a peer id or a state database).
 */
import type { IdentityInfo, Keystore, SquidIdentity } from '../../src/trust/index.js'

export const SESSION_KEY = 'qflow.identity'
/** Stored under SESSION_KEY: the next start creates a new identity. */
export const NEW_IDENTITY = 'new'
const lockName = (id: string): string => `qflow-identity:${id}`

export interface IdentityChoice {
  identity: SquidIdentity
  /** Lets another tab take the identity (call when the node stops). */
  release(): void
}

/** Holds the identity's lock until `release()`; resolves false when another tab holds it. */
async function holdLock (id: string, wait: boolean): Promise<(() => void) | undefined> {
  const locks = globalThis.navigator?.locks
  if (locks == null) return () => {}
  return await new Promise(resolve => {
    const options: LockOptions = wait ? { signal: AbortSignal.timeout(5_000) } : { ifAvailable: true }
    locks.request(lockName(id), options, async lock => {
      if (lock == null) { resolve(undefined); return }
      await new Promise<void>(release => resolve(release))
    }).catch(() => resolve(undefined)) // timed out: another tab keeps it
  })
}

export interface PickIdentityOptions {
  keystore: Keystore
  storage: Pick<Storage, 'getItem' | 'setItem'>
  /** An identity the user asked for (the picker); else the tab's own, else a free one, else a new one. */
  wanted?: string
  newName?: () => string
}

export async function pickIdentity (options: PickIdentityOptions): Promise<IdentityChoice> {
  const { keystore, storage } = options
  const known = await keystore.list()
  const own = options.wanted ?? storage.getItem(SESSION_KEY) ?? undefined
  const candidates: Array<{ info: IdentityInfo, wait: boolean }> = []
  const wantsNew = own === NEW_IDENTITY
  const mine = known.find(i => i.id === own)
  if (mine != null) candidates.push({ info: mine, wait: true })
  if (options.wanted == null && !wantsNew) for (const info of known) if (info.id !== own) candidates.push({ info, wait: false })
  for (const { info, wait } of candidates) {
    const release = await holdLock(info.id, wait)
    if (release == null) continue
    storage.setItem(SESSION_KEY, info.id)
    return { identity: await keystore.load(info.id), release }
  }
  if (options.wanted != null) throw new Error(`identity ${options.wanted} is in use by another tab or unknown`)
  const identity = await keystore.create({ name: options.newName?.() ?? `tab-${Date.now().toString(36)}` })
  const release = await holdLock(identity.id, false) ?? (() => {})
  storage.setItem(SESSION_KEY, identity.id)
  return { identity, release }
}

/**
 * The key that wraps this identity's state keyring: SHA-256 of the identity's Ed25519 signature
 * over a fixed label. Ed25519 signatures are deterministic, so the same identity always derives
 * the same key, and the private key never leaves WebCrypto.
 */
export async function stateMasterKey (identity: SquidIdentity): Promise<Uint8Array> {
  const signature = await identity.sign(new TextEncoder().encode('qflow/state-master-key/v1'))
  return new Uint8Array(await crypto.subtle.digest('SHA-256', signature as BufferSource))
}
