/**
 * A `Keyring` for networked nodes: state of a subnet this node serves (and, in a networked node,
 * every other owner too: the execution is coordinated in the node's first subnet) is sealed with
 * the subnet's data key, which every member derives from the shared subnet secret
 * (`subnet-keys.ts`), so a successor opens the blocks it takes over. Keys of the wrapped local
 * keyring stay readable (state written before the node joined a network).
 */
import type { AeadProvider } from '../state/qlock/cipher.js'
import type { DataKey, KeyInfo, Keyring } from '../state/qlock/keyring.js'
import { KeyNotFoundError } from '../state/errors.js'
import { newSubnetSecret, subnetKeyMaterial } from './subnet-keys.js'

/** The subnet secrets a node knows (the newest is current). */
export interface SubnetSecrets {
  list(subnet: string): Uint8Array[]
  /** Adds secrets (duplicates ignored); resolves with how many were new. */
  add(subnet: string, secrets: Uint8Array[], options?: { current?: boolean }): Promise<number>
}

/** Secrets in memory, persisted through `save` (which must never write them in plaintext). */
export function subnetSecrets (initial: Record<string, Uint8Array[]> = {}, save?: (all: Record<string, Uint8Array[]>) => Promise<void>): SubnetSecrets {
  const bySubnet = new Map<string, Uint8Array[]>(Object.entries(initial).map(([k, v]) => [k, [...v]]))
  const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
  let saving: Promise<void> = Promise.resolve()
  return {
    list: (subnet) => [...(bySubnet.get(subnet) ?? [])],
    async add (subnet, secrets, options = {}) {
      const list = bySubnet.get(subnet) ?? []
      let added = 0
      for (const s of secrets) {
        if (list.some(x => same(x, s))) continue
        // a secret learnt from a peer goes under the current one: only `current` (new or rotated) takes over sealing
        if (options.current === true || list.length === 0) list.push(s); else list.splice(list.length - 1, 0, s)
        added++
      }
      bySubnet.set(subnet, list)
      if (added > 0 && save != null) {
        const snapshot = Object.fromEntries(bySubnet)
        saving = saving.then(async () => { await save(snapshot) })
        await saving
      }
      return added
    }
  }
}

export interface SubnetKeyringInit {
  /** The node's subnets; the first seals owners that are none of them. */
  subnets: string[]
  local: Keyring
  secrets: SubnetSecrets
  /** A platform's synchronous AES-GCM (optional, as in `localKeyring`). */
  cipher?: AeadProvider
  /** Asked for an unknown subnet key id (e.g. fetch the secrets from a member); resolves when done. */
  missing?: (subnet: string, keyId: string) => Promise<void>
}

export function subnetKeyring (init: SubnetKeyringInit): Keyring {
  const { local, secrets } = init
  if (init.subnets.length === 0) throw new TypeError('subnetKeyring: subnets must name at least one subnet')
  const cache = new Map<string, DataKey>()
  const creating = new Map<string, Promise<void>>()

  const toKey = async (subnet: string, secret: Uint8Array): Promise<DataKey> => {
    const m = subnetKeyMaterial(subnet, secret)
    const hit = cache.get(m.id)
    if (hit != null) return hit
    const key: DataKey = {
      id: m.id,
      owner: subnet,
      key: await globalThis.crypto.subtle.importKey('raw', m.raw as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
    }
    if (init.cipher != null) key.aead = init.cipher.importKey(m.raw)
    m.raw.fill(0)
    cache.set(key.id, key)
    return key
  }
  const subnetOf = (owner: string): string => init.subnets.includes(owner) ? owner : init.subnets[0]
  const find = async (subnet: string, keyId: string): Promise<DataKey | undefined> => {
    for (const s of secrets.list(subnet)) {
      const key = await toKey(subnet, s)
      if (key.id === keyId) return key
    }
    return undefined
  }

  return {
    async current (owner) {
      const subnet = subnetOf(owner)
      let list = secrets.list(subnet)
      if (list.length === 0) {
        // the first node of a subnet to write creates its secret (one creation per subnet at a time)
        let pending = creating.get(subnet)
        if (pending == null) {
          pending = secrets.add(subnet, [newSubnetSecret()], { current: true }).then(() => {})
          creating.set(subnet, pending)
          void pending.finally(() => creating.delete(subnet))
        }
        await pending
        list = secrets.list(subnet)
      }
      return await toKey(subnet, list[list.length - 1])
    },
    async get (keyId) {
      if (!keyId.startsWith('subnet:')) return await local.get(keyId)
      const subnet = keyId.slice('subnet:'.length, keyId.lastIndexOf(':'))
      const known = cache.get(keyId) ?? await find(subnet, keyId)
      if (known != null) return known
      await init.missing?.(subnet, keyId)
      const fetched = await find(subnet, keyId)
      if (fetched == null) throw new KeyNotFoundError(keyId)
      return fetched
    },
    async rotate (owner) {
      const subnet = subnetOf(owner)
      await secrets.add(subnet, [newSubnetSecret()], { current: true })
      return await this.current(owner)
    },
    async list (owner) {
      const out: KeyInfo[] = await local.list(owner)
      for (const subnet of init.subnets) {
        if (owner != null && owner !== subnet) continue
        const all = secrets.list(subnet)
        for (const [i, s] of all.entries()) out.push({ id: subnetKeyMaterial(subnet, s).id, owner: subnet, createdAt: 0, current: i === all.length - 1 })
      }
      return out
    }
  }
}
