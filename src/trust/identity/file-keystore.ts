/**
 * A keystore of passphrase-encrypted key files over a tiny file backing. The passphrase is
 * the keystore's: every file is re-encrypted under it on import; exports use the export
 * passphrase. Decrypted identities are kept in memory, so a KDF runs once per identity.
 */
import { IdentityExistsError, IdentityNotFoundError } from '../errors.js'
import { createIdentity } from './identity.js'
import type { SquidIdentity } from './identity.js'
import { exportKeyFile, importKeyFile, parseKeyFile } from './key-file.js'
import type { KdfOptions } from './kdf.js'
import { checkIdentityName } from './keystore.js'
import type { IdentityInfo, Keystore } from './keystore.js'
import { didKeyFromPublicKey, peerIdFromPublicKey } from './did-key.js'
import { fromBase64url } from '../encoding.js'

/** Named text files (name = identity name). */
export interface KeyFileBacking {
  read(name: string): Promise<string | undefined>
  /** Must not overwrite: resolves false when `name` exists. */
  create(name: string, text: string): Promise<boolean>
  list(): Promise<string[]>
  remove(name: string): Promise<boolean>
}

export interface FileKeystoreInit extends KdfOptions {
  passphrase: string
  now?: () => number
}

export function fileKeystore (files: KeyFileBacking, init: FileKeystoreInit): Keystore {
  const unlocked = new Map<string, SquidIdentity>()

  async function infos (): Promise<Array<IdentityInfo & { fileName: string }>> {
    const out: Array<IdentityInfo & { fileName: string }> = []
    for (const fileName of (await files.list()).sort()) {
      const text = await files.read(fileName)
      if (text == null) continue
      const file = parseKeyFile(JSON.parse(text))
      const publicKey = fromBase64url(file.publicKey)
      out.push({ id: didKeyFromPublicKey(publicKey), peerId: peerIdFromPublicKey(publicKey), name: fileName, createdAt: file.createdAt, extractable: true, fileName })
    }
    return out
  }

  async function find (ref: string): Promise<IdentityInfo & { fileName: string }> {
    const found = (await infos()).find(i => i.name === ref || i.id === ref)
    if (found == null) throw new IdentityNotFoundError(ref)
    return found
  }

  async function store (identity: SquidIdentity, name: string): Promise<void> {
    const file = await exportKeyFile(identity, init.passphrase, { ...init, createdAt: init.now?.() ?? Date.now() })
    if (!await files.create(name, JSON.stringify({ ...file, name }, null, 2) + '\n')) throw new IdentityExistsError(name)
    unlocked.set(identity.id, identity)
  }

  async function duplicateCheck (name: string, id?: string): Promise<void> {
    const all = await infos()
    if (all.some(i => i.name === name)) throw new IdentityExistsError(name)
    if (id != null && all.some(i => i.id === id)) throw new IdentityExistsError(id)
  }

  const keystore: Keystore = {
    async create ({ name }) {
      checkIdentityName(name)
      await duplicateCheck(name)
      const identity = await createIdentity({ name, extractable: true })
      await store(identity, name)
      return identity
    },
    async list () {
      return (await infos()).map(({ fileName: _, ...info }) => info)
    },
    async load (ref) {
      const info = await find(ref)
      const cached = unlocked.get(info.id)
      if (cached != null) return cached
      const text = await files.read(info.fileName)
      if (text == null) throw new IdentityNotFoundError(ref)
      const identity = await importKeyFile(JSON.parse(text), init.passphrase, { name: info.name })
      unlocked.set(identity.id, identity)
      return identity
    },
    async export (ref, passphrase, options = {}) {
      return await exportKeyFile(await keystore.load(ref), passphrase, options)
    },
    async import (file, passphrase, options = {}) {
      const parsed = parseKeyFile(file)
      const name = checkIdentityName(options.name ?? parsed.name ?? parsed.id.slice(-16))
      await duplicateCheck(name, parsed.id)
      const identity = await importKeyFile(parsed, passphrase, { name })
      await store(identity, name)
      return identity
    },
    async delete (ref) {
      const info = await find(ref)
      await files.remove(info.fileName)
      unlocked.delete(info.id)
    }
  }
  return keystore
}

/** A keystore in memory (tests, in-process nodes); still encrypted, so it exercises the same path. */
export function memoryKeystore (init: Partial<FileKeystoreInit> = {}): Keystore {
  const texts = new Map<string, string>()
  return fileKeystore({
    read: async (name) => texts.get(name),
    create: async (name, text) => { if (texts.has(name)) return false; texts.set(name, text); return true },
    list: async () => [...texts.keys()],
    remove: async (name) => texts.delete(name)
  }, { passphrase: init.passphrase ?? 'memory', iterations: init.iterations ?? 1, ...init })
}
