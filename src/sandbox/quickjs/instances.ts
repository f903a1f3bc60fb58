/**
 * QuickJS module instances sized to a memory limit. QuickJS's own `setMemoryLimit` does not
 * count allocation sizes in this Emscripten build (malloc_usable_size is unavailable, so it
 * only caps single allocations), so the real limit is the instance's WebAssembly memory: its
 * maximum is the bytes QuickJS itself uses plus the guest's limit, and malloc fails cleanly
 * ("out of memory") past it. Wasm memory never shrinks, so an instance that grew past
 * {@link RETAIN_BYTES} is dropped after its job and rebuilt on demand.
 */
import type { QuickJSWASMModule } from 'quickjs-emscripten-core'

/** Instantiates QuickJS (from a module compiled once per worker) on the given memory. */
export type QuickJSFactory = (memory: WebAssembly.Memory) => Promise<QuickJSWASMModule>

export interface QuickJSInstance {
  qjs: QuickJSWASMModule
  memory: WebAssembly.Memory
  maxPages: number
}

const PAGE = 65536
/** The Emscripten build imports a memory of at least 256 pages (16 MiB). */
const MIN_PAGES = 256
/** Static data, stack and QuickJS's own heap when no probe is possible (measured: ~5.1 MiB). */
const FALLBACK_BASE_BYTES = 5.25 * 1024 * 1024
const RETAIN_BYTES = 64 * 1024 * 1024
const KEEP = 2

export interface QuickJSInstances {
  get(memoryBytes: number): Promise<QuickJSInstance>
  /** After a job: drops the instance if its memory grew too large to keep. */
  release(instance: QuickJSInstance): void
}

export function quickJSInstances (factory: QuickJSFactory): QuickJSInstances {
  const byPages = new Map<number, Promise<QuickJSInstance>>()
  let base: Promise<number> | undefined

  async function create (maxPages: number): Promise<QuickJSInstance> {
    const memory = new WebAssembly.Memory({ initial: MIN_PAGES, maximum: maxPages })
    return { qjs: await factory(memory), memory, maxPages }
  }

  return {
    async get (memoryBytes) {
      base ??= probeBase(factory)
      const maxPages = pagesFor(memoryBytes, await base)
      let entry = byPages.get(maxPages)
      if (entry == null) {
        entry = create(maxPages)
        byPages.set(maxPages, entry)
        entry.catch(() => byPages.delete(maxPages))
        while (byPages.size > KEEP) byPages.delete(byPages.keys().next().value as number)
      }
      return await entry
    },
    release (instance) {
      if (instance.memory.buffer.byteLength > MIN_PAGES * PAGE + RETAIN_BYTES) byPages.delete(instance.maxPages)
    }
  }
}

function pagesFor (memoryBytes: number, baseBytes: number): number {
  return Math.max(MIN_PAGES, Math.min(65536, Math.ceil((baseBytes + memoryBytes) / PAGE)))
}

/** Where the heap starts being free once a runtime and context exist (what QuickJS itself needs). */
async function probeBase (factory: QuickJSFactory): Promise<number> {
  try {
    const qjs = await factory(new WebAssembly.Memory({ initial: MIN_PAGES, maximum: MIN_PAGES * 2 }))
    const runtime = qjs.newRuntime()
    const context = runtime.newContext()
    const module = (qjs as unknown as { module?: { _malloc?(n: number): number, _free?(p: number): void } }).module
    const top = module?._malloc?.(16) ?? 0
    if (top !== 0) module?._free?.(top)
    context.dispose()
    runtime.dispose()
    return top > 0 ? top : FALLBACK_BASE_BYTES
  } catch {
    return FALLBACK_BASE_BYTES
  }
}
