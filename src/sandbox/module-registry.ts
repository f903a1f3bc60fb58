/**
 * Where `qflow.action.wasm` finds module bytes: by CID (content-addressed, verified on read)
 * or by a template name an operator registered. Bytes live in an injected block source
 * (the node's blockstore through {@link blockstoreSource}) or in memory.
 */
import { concatBytes } from '../util/bytes.js'
import type { CID } from 'multiformats/cid'
import { NotFoundError } from '../errors.js'
import { cidOf, matchesCid, parseCid } from './cid.js'

export interface AbortOptions { signal?: AbortSignal }

/** The two calls the registry needs from a blockstore. */
export interface ModuleBlocks {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>
}

export interface ResolvedModule {
  cid: string
  bytes: Uint8Array
  /** The template name, when the reference was one. */
  name?: string
}

export interface ModuleRegistry {
  /** Stores module bytes; returns their CID (v1, raw, sha256). */
  add(bytes: Uint8Array, options?: AbortOptions): Promise<string>
  /** Stores the bytes and names them; a later registration of the same name wins. */
  registerTemplate(name: string, bytes: Uint8Array, options?: AbortOptions): Promise<string>
  /** Template names and their CIDs. */
  templates(): Array<{ name: string, cid: string }>
  /** What a CID string or template name refers to, without reading any bytes (undefined: neither). */
  lookup(ref: string): { cid: string, name?: string } | undefined
  /** A CID string or a template name → verified bytes; NotFoundError when unknown. */
  resolve(ref: string, options?: AbortOptions): Promise<ResolvedModule>
}

export interface ModuleRegistryInit {
  blocks?: ModuleBlocks
}

export function moduleRegistry (init: ModuleRegistryInit = {}): ModuleRegistry {
  const blocks = init.blocks ?? memoryBlocks()
  const names = new Map<string, string>()

  async function add (bytes: Uint8Array, options?: AbortOptions): Promise<string> {
    const cid = await cidOf(bytes)
    await blocks.put(cid, bytes, options)
    return cid.toString()
  }

  return {
    add,
    async registerTemplate (name, bytes, options) {
      if (name === '' || parseCid(name) != null) throw new TypeError(`invalid template name: ${name}`)
      const cid = await add(bytes, options)
      names.set(name, cid)
      return cid
    },
    templates: () => [...names].map(([name, cid]) => ({ name, cid })),
    lookup (ref) {
      const named = names.get(ref)
      if (named != null) return { cid: named, name: ref }
      const cid = parseCid(ref)
      return cid == null ? undefined : { cid: cid.toString() }
    },
    async resolve (ref, options) {
      const name = names.has(ref) ? ref : undefined
      const cid = parseCid(names.get(ref) ?? ref)
      if (cid == null) throw new NotFoundError(`no WASM module or template named ${ref}`)
      const bytes = await blocks.get(cid, options)
      if (bytes == null) throw new NotFoundError(`WASM module ${cid.toString()} is not in the blockstore`)
      if (!await matchesCid(cid, bytes)) throw new NotFoundError(`WASM module ${cid.toString()}: stored bytes do not match the CID`)
      return name == null ? { cid: cid.toString(), bytes } : { cid: cid.toString(), bytes, name }
    }
  }
}

export function memoryBlocks (): ModuleBlocks {
  const store = new Map<string, Uint8Array>()
  return {
    get: async (cid) => store.get(cid.toString()),
    put: async (cid, bytes) => { store.set(cid.toString(), bytes.slice()) }
  }
}

/** The subset of an interface-blockstore v7 `Blockstore` used by {@link blockstoreSource}. */
export interface BlockstoreLike {
  has(cid: CID, options?: AbortOptions): boolean | Promise<boolean>
  get(cid: CID, options?: AbortOptions): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): unknown
}

/** Adapts a Helia blockstore (whose `get` yields chunks) to {@link ModuleBlocks}. */
export function blockstoreSource (store: BlockstoreLike): ModuleBlocks {
  return {
    async get (cid, options) {
      if (!await store.has(cid, options)) return undefined
      const chunks: Uint8Array[] = []
      for await (const chunk of store.get(cid, options)) chunks.push(chunk)
      return concatBytes(chunks)
    },
    async put (cid, bytes, options) { await store.put(cid, bytes, options) }
  }
}
