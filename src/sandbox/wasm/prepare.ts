/**
 * Host-side checks before a WASM module reaches a worker: size, `WebAssembly.validate`,
 * memory clamped to the limit, compiled once per (CID, limit) and cached, imports limited to
 * the provided WASI functions, and the WASI command shape (`_start` and `memory` exported).
 */
import { invalidModule, resourceExhausted } from '../errors.js'
import { clampMemory, MemoryLimitError, ModuleFormatError, PAGE_BYTES } from './module-memory.js'
import { unprovidedImports } from './wasi-imports.js'

export interface PreparedModule {
  cid: string
  module: WebAssembly.Module
  initialPages: number
  maxPages: number
}

export interface CompileCache {
  /**
   * Validates and compiles once per (CID, memory limit); `load` is only called on a miss.
   * A failed preparation is not cached.
   */
  prepare(cid: string, load: () => Promise<Uint8Array>, limits: { memoryBytes: number, maxModuleBytes: number }): Promise<PreparedModule>
  readonly size: number
  /** How many compilations ran (cache misses). */
  readonly compiled: number
}

export function compileCache (maxEntries = 64): CompileCache {
  const entries = new Map<string, Promise<PreparedModule>>()
  let compiled = 0
  return {
    get size () { return entries.size },
    get compiled () { return compiled },
    prepare (cid, load, limits) {
      const limitPages = Math.floor(limits.memoryBytes / PAGE_BYTES)
      const key = `${cid}@${limitPages}`
      const hit = entries.get(key)
      if (hit != null) {
        entries.delete(key)
        entries.set(key, hit)
        return hit
      }
      compiled++
      const pending = load().then(bytes => prepareModule(cid, bytes, limitPages, limits.maxModuleBytes))
      entries.set(key, pending)
      pending.catch(() => entries.delete(key))
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
      return pending
    }
  }
}

async function prepareModule (cid: string, bytes: Uint8Array, limitPages: number, maxModuleBytes: number): Promise<PreparedModule> {
  if (bytes.byteLength > maxModuleBytes) {
    throw resourceExhausted(`module ${cid} is ${bytes.byteLength} bytes, above the limit of ${maxModuleBytes}`, { cid })
  }
  if (!WebAssembly.validate(bytes as BufferSource)) throw invalidModule(`module ${cid} is not valid WebAssembly`, { cid })
  let clamped
  try {
    clamped = clampMemory(bytes, limitPages)
  } catch (err) {
    if (err instanceof MemoryLimitError) {
      throw resourceExhausted(`module ${cid}: ${err.message}`, { cid, initialPages: err.initialPages, limitPages })
    }
    if (err instanceof ModuleFormatError) throw invalidModule(`module ${cid}: ${err.message}`, { cid })
    throw err
  }
  const module = await WebAssembly.compile(clamped.bytes as BufferSource)
  const refused = unprovidedImports(WebAssembly.Module.imports(module))
  if (refused.length > 0) {
    throw invalidModule(`module ${cid} imports what this host does not provide: ${refused.join(', ')}`, { cid, imports: refused })
  }
  const exports = WebAssembly.Module.exports(module)
  const hasStart = exports.some(e => e.name === '_start' && e.kind === 'function')
  const hasMemory = exports.some(e => e.name === 'memory' && e.kind === 'memory')
  if (!hasStart || !hasMemory) {
    throw invalidModule(`module ${cid} is not a WASI command module (it must export _start and memory)`, { cid })
  }
  return { cid, module, initialPages: clamped.initialPages, maxPages: clamped.maxPages }
}
