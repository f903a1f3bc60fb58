/// <reference types="vite/client" />
/**
 * The Web Worker entry of the sandbox (a module worker). Guest code runs in QuickJS or a
 * WASM instance inside this worker, never in the page's thread or realm.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant } from 'quickjs-emscripten-core'
import wasmUrl from '@jitl/quickjs-wasmfile-release-sync/wasm?url'
import { startWorkerCore } from '../../src/sandbox/worker/worker-core.js'
import type { HostMessage } from '../../src/sandbox/protocol.js'

let compiled: Promise<[QuickJSSyncVariant, WebAssembly.Module]> | undefined

/** Compiles QuickJS's .wasm once per worker; each memory limit gets its own instance. */
function load (): Promise<[QuickJSSyncVariant, WebAssembly.Module]> {
  compiled ??= (async () => {
    const variant = ((await import('@jitl/quickjs-wasmfile-release-sync')) as unknown as { default: QuickJSSyncVariant }).default
    // compileStreaming needs the application/wasm type; a server that gets it wrong still works
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl))
      .catch(async () => await WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer()))
    return [variant, module]
  })()
  return compiled
}

const scope = self as unknown as { postMessage(message: unknown): void, onmessage: ((event: MessageEvent<HostMessage>) => void) | null }

const handle = startWorkerCore({
  post: message => scope.postMessage(message),
  quickjs: async memory => {
    const [variant, wasmModule] = await load()
    return newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory }))
  }
})
scope.onmessage = event => handle(event.data)
