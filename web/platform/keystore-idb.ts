/**
 * The browser keystore: identities in IndexedDB, private keys as non-extractable WebCrypto
 * Ed25519 CryptoKeys by default (the seed never reaches JavaScript; IndexedDB stores the key
 * object by structured clone). Such keys cannot be exported (`KeyNotExtractableError`); create
 * or import with `extractable: true` to allow it. Needs WebCrypto Ed25519 (Chromium ≥ 137,
 * Firefox ≥ 129, Safari ≥ 17).
 */
import {
  checkIdentityName, decryptKeyFile, didKeyFromPublicKey, exportKeyFile, IdentityExistsError, IdentityNotFoundError,
  identityFromKeyPair, KeyNotExtractableError, MalformedError, webCryptoEd25519, webCryptoHasEd25519
} from '../../src/trust/index.js'
import type { Ed25519KeyPair, IdentityInfo, Keystore, SquidIdentity } from '../../src/trust/index.js'

export interface IdbKeystoreInit {
  /** IndexedDB database name (default `qflow-keystore`). */
  database?: string
  now?: () => number
}

interface IdentityRecord extends IdentityInfo {
  publicKey: Uint8Array
  privateKey: CryptoKey
}

const STORE = 'identities'

function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error) }
  })
}

function openDb (name: string): Promise<IDBDatabase> {
  const req = indexedDB.open(name, 1)
  req.onupgradeneeded = () => {
    const store = req.result.createObjectStore(STORE, { keyPath: 'id' })
    store.createIndex('name', 'name', { unique: true })
  }
  return request(req)
}

export async function idbKeystore (init: IdbKeystoreInit = {}): Promise<Keystore & { close(): void }> {
  if (!await webCryptoHasEd25519()) throw new Error('this browser has no WebCrypto Ed25519: the IndexedDB keystore needs it for non-extractable keys')
  const db = await openDb(init.database ?? 'qflow-keystore')
  const backend = webCryptoEd25519
  const tx = (mode: IDBTransactionMode): IDBObjectStore => db.transaction(STORE, mode).objectStore(STORE)

  async function find (ref: string): Promise<IdentityRecord> {
    const byId = await request(tx('readonly').get(ref)) as IdentityRecord | undefined
    const record = byId ?? await request(tx('readonly').index('name').get(ref)) as IdentityRecord | undefined
    if (record == null) throw new IdentityNotFoundError(ref)
    return record
  }

  const toIdentity = (r: IdentityRecord): SquidIdentity =>
    identityFromKeyPair({ publicKey: r.publicKey, privateKey: r.privateKey, extractable: r.extractable }, backend, r.name)

  async function store (pair: Ed25519KeyPair, name: string): Promise<SquidIdentity> {
    const identity = identityFromKeyPair(pair, backend, name)
    const record: IdentityRecord = {
      id: identity.id, peerId: identity.peerId, name, createdAt: init.now?.() ?? Date.now(), extractable: pair.extractable,
      publicKey: pair.publicKey, privateKey: pair.privateKey as CryptoKey
    }
    try {
      await request(tx('readwrite').add(record))
    } catch (err: any) {
      if (err?.name === 'ConstraintError') throw new IdentityExistsError(name)
      throw err
    }
    return identity
  }

  return {
    async create ({ name, extractable }) {
      return await store(await backend.generate({ extractable: extractable ?? false }), checkIdentityName(name))
    },
    async list () {
      const all = await request(tx('readonly').getAll()) as IdentityRecord[]
      return all.map(({ id, peerId, name, createdAt, extractable }) => ({ id, peerId, name, createdAt, extractable }))
        .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    },
    async load (ref) {
      return toIdentity(await find(ref))
    },
    async export (ref, passphrase, options = {}) {
      const record = await find(ref)
      if (!record.extractable) throw new KeyNotExtractableError(record.id)
      return await exportKeyFile(toIdentity(record), passphrase, options)
    },
    async import (file, passphrase, options = {}) {
      const { file: parsed, seed } = await decryptKeyFile(file, passphrase)
      const name = checkIdentityName(options.name ?? parsed.name ?? parsed.id.slice(-16))
      const pair = await backend.fromSeed(seed, { extractable: options.extractable ?? false })
      seed.fill(0)
      if (didKeyFromPublicKey(pair.publicKey) !== parsed.id) throw new MalformedError('key_file_invalid', `the key file's secret does not belong to ${parsed.id}`)
      return await store(pair, name)
    },
    async delete (ref) {
      const record = await find(ref)
      await request(tx('readwrite').delete(record.id))
    },
    close () { db.close() }
  }
}
