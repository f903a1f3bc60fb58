/**
 * The local keyring: data keys live in the datastore, each wrapped (AES-256-GCM) by a master
 * key that never touches storage. The master key is either 32 raw bytes or derived from a
 * passphrase with PBKDF2-SHA256 (salt and iterations are stored with the keyring).
 *
 *   <prefix>/meta              { v, kdf: 'raw' | 'pbkdf2-sha256', salt?, iterations?, check }
 *   <prefix>/keys/<keyId>      { v, id, owner, createdAt, wrapped: Envelope(raw key) }
 *   <prefix>/current/<owner>   { keyId }
 *
 * `check` is a sealed constant: opening a keyring with another master key or passphrase
 * fails at once with `WrongKeyError` instead of at the first record.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import { getOptional } from '../datastore-io.js'
import { KeyNotFoundError, WrongKeyError } from '../errors.js'
import { encodeId, randomId } from '../keys.js'
import { seal, unsealWith, recordAad } from './envelope.js'
import type { Envelope } from './envelope.js'
import { DEFAULT_PBKDF2_ITERATIONS, deriveFromPassphrase, importAesKey } from './kdf.js'
import type { DataKey, KeyInfo, Keyring } from './keyring.js'
import type { AeadProvider } from './cipher.js'

export interface LocalKeyringInit {
  datastore: Datastore
  /** 32 random bytes. Give exactly one of `masterKey` and `passphrase`. */
  masterKey?: Uint8Array
  passphrase?: string
  /** PBKDF2 iterations when a new keyring is created from a passphrase (default 600,000). */
  iterations?: number
  /** Datastore namespace (default `/qflow/keyring`). */
  prefix?: string
  now?: () => number
  /** A platform's synchronous AES-256-GCM for data keys (see `cipher.ts`); WebCrypto otherwise. */
  cipher?: AeadProvider
}

interface MetaRecord { v: 1, kdf: 'raw' | 'pbkdf2-sha256', salt?: Uint8Array, iterations?: number, check: Envelope }
interface KeyRecord { v: 1, id: string, owner: string, createdAt: number, wrapped: Envelope }

const CHECK = new TextEncoder().encode('qflow keyring check v1')
const CHECK_AAD = recordAad('keyring', 'check')

export async function localKeyring (init: LocalKeyringInit): Promise<Keyring> {
  if ((init.masterKey == null) === (init.passphrase == null)) throw new TypeError('localKeyring needs exactly one of masterKey or passphrase')
  const prefix = init.prefix ?? '/qflow/keyring'
  const metaKey = new Key(`${prefix}/meta`)
  const stored = await getOptional(init.datastore, metaKey)
  let master: CryptoKey
  if (stored != null) {
    const meta = dagCbor.decode<MetaRecord>(stored)
    if (meta.kdf === 'raw') {
      if (init.masterKey == null) throw new WrongKeyError('this keyring was created with a raw master key, not a passphrase')
      master = await importAesKey(init.masterKey)
    } else {
      if (init.passphrase == null) throw new WrongKeyError('this keyring was created with a passphrase, not a raw master key')
      master = await deriveFromPassphrase(init.passphrase, meta.salt as Uint8Array, meta.iterations as number)
    }
    await unsealWith({ key: master }, meta.check, CHECK_AAD, { kind: 'keyring' }).catch(() => { throw new WrongKeyError() })
  } else {
    let meta: Omit<MetaRecord, 'check'>
    if (init.masterKey != null) {
      master = await importAesKey(init.masterKey)
      meta = { v: 1, kdf: 'raw' }
    } else {
      const salt = globalThis.crypto.getRandomValues(new Uint8Array(16))
      const iterations = init.iterations ?? DEFAULT_PBKDF2_ITERATIONS
      master = await deriveFromPassphrase(init.passphrase as string, salt, iterations)
      meta = { v: 1, kdf: 'pbkdf2-sha256', salt, iterations }
    }
    const check = await seal({ id: 'master', key: master }, CHECK, CHECK_AAD)
    await init.datastore.put(metaKey, dagCbor.encode({ ...meta, check }))
  }
  return new LocalKeyring(init.datastore, prefix, master, init.now ?? Date.now, init.cipher)
}

class LocalKeyring implements Keyring {
  private readonly keys = new Map<string, Promise<DataKey>>()
  private readonly currents = new Map<string, Promise<DataKey>>()
  private writes: Promise<unknown> = Promise.resolve()

  constructor (private readonly datastore: Datastore, private readonly prefix: string,
    private readonly master: CryptoKey, private readonly now: () => number, private readonly cipher?: AeadProvider) {}

  async current (owner: string): Promise<DataKey> {
    let key = this.currents.get(owner)
    if (key == null) {
      key = this.loadCurrent(owner)
      this.currents.set(owner, key)
      key.catch(() => this.currents.delete(owner))
    }
    return key
  }

  async get (keyId: string): Promise<DataKey> {
    let key = this.keys.get(keyId)
    if (key == null) {
      key = this.load(keyId)
      this.keys.set(keyId, key)
      key.catch(() => this.keys.delete(keyId))
    }
    return key
  }

  async rotate (owner: string): Promise<DataKey> {
    const key = this.serial(async () => this.create(owner))
    this.currents.set(owner, key)
    return key
  }

  async list (owner?: string): Promise<KeyInfo[]> {
    const out: KeyInfo[] = []
    for await (const { value } of this.datastore.query({ prefix: `${this.prefix}/keys` })) {
      const rec = dagCbor.decode<KeyRecord>(value)
      if (owner != null && rec.owner !== owner) continue
      out.push({ id: rec.id, owner: rec.owner, createdAt: rec.createdAt, current: false })
    }
    for (const info of out) {
      const cur = await getOptional(this.datastore, this.currentKey(info.owner))
      info.current = cur != null && dagCbor.decode<{ keyId: string }>(cur).keyId === info.id
    }
    return out.sort((a, b) => a.createdAt - b.createdAt)
  }

  private async loadCurrent (owner: string): Promise<DataKey> {
    const cur = await getOptional(this.datastore, this.currentKey(owner))
    if (cur != null) return this.get(dagCbor.decode<{ keyId: string }>(cur).keyId)
    return this.serial(async () => this.create(owner))
  }

  private async create (owner: string): Promise<DataKey> {
    const id = randomId('qk-')
    const raw = globalThis.crypto.getRandomValues(new Uint8Array(32))
    const wrapped = await seal({ id: 'master', key: this.master }, raw, recordAad('key', id))
    const key = await this.dataKey(id, owner, raw)
    raw.fill(0)
    const record: KeyRecord = { v: 1, id, owner, createdAt: this.now(), wrapped }
    // the key record first: a crash between the two writes leaves an unused key, never a dangling pointer
    await this.datastore.put(this.keyKey(id), dagCbor.encode(record))
    await this.datastore.put(this.currentKey(owner), dagCbor.encode({ keyId: id }))
    this.keys.set(id, Promise.resolve(key))
    return key
  }

  private async load (keyId: string): Promise<DataKey> {
    const bytes = await getOptional(this.datastore, this.keyKey(keyId))
    if (bytes == null) throw new KeyNotFoundError(keyId)
    const rec = dagCbor.decode<KeyRecord>(bytes)
    const raw = await unsealWith({ key: this.master }, rec.wrapped, recordAad('key', keyId), { kind: 'key', id: keyId })
    try {
      return await this.dataKey(rec.id, rec.owner, raw)
    } finally {
      raw.fill(0)
    }
  }

  private async dataKey (id: string, owner: string, raw: Uint8Array): Promise<DataKey> {
    const key: DataKey = { id, owner, key: await importAesKey(raw) }
    if (this.cipher != null) key.aead = this.cipher.importKey(raw)
    return key
  }

  /** Key ids come from envelopes (untrusted): always encoded into the path. */
  private keyKey (keyId: string): Key {
    return new Key(`${this.prefix}/keys/${encodeId(keyId)}`)
  }

  private currentKey (owner: string): Key {
    return new Key(`${this.prefix}/current/${encodeId(owner)}`)
  }

  /** Key creation is serialised: two writes to one datastore key must never overlap. */
  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn)
    this.writes = run.catch(() => {})
    return run
  }
}
