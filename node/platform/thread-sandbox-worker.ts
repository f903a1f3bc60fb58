/**
 * The worker_threads entry of the sandbox (started through thread-sandbox-worker.mjs, which
 * loads TypeScript). Guest code runs in QuickJS or a WASM instance inside this thread, never
 * in the host's thread or realm.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant } from 'quickjs-emscripten-core'
import { startWorkerCore } from '../../src/sandbox/worker/worker-core.js'
import type { HostMessage } from '../../src/sandbox/protocol.js'

const port = parentPort
if (port == null) throw new Error('thread-sandbox-worker must run in a worker thread')

const VARIANT = '@jitl/quickjs-wasmfile-release-sync'
let compiled: Promise<[QuickJSSyncVariant, WebAssembly.Module]> | undefined

/** Compiles QuickJS's .wasm once per worker; each memory limit gets its own instance. */
function load (): Promise<[QuickJSSyncVariant, WebAssembly.Module]> {
  compiled ??= (async () => {
    const variant = ((await import(VARIANT)) as { default: QuickJSSyncVariant }).default
    const bytes = await readFile(createRequire(import.meta.url).resolve(`${VARIANT}/wasm`))
    return [variant, await WebAssembly.compile(bytes)]
  })()
  return compiled
}

const handle = startWorkerCore({
  post: message => port.postMessage(message),
  quickjs: async memory => {
    const [variant, wasmModule] = await load()
    return newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory }))
  }
})
port.on('message', (message: HostMessage) => handle(message))
