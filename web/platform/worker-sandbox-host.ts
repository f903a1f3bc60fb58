/**
 * The browser sandbox host: the pooled host over module Web Workers. A browser offers no
 * per-worker heap limit, so the limits are QuickJS's sized WebAssembly memory, the WASM
 * memory maximum, and terminating the worker at the deadline.
 */
import { pooledSandboxHost, type PooledSandboxHost, type PooledSandboxInit } from '../../src/sandbox/pooled-sandbox-host.js'
import type { WorkerPort } from '../../src/sandbox/pool/worker-port.js'
import type { WorkerMessage } from '../../src/sandbox/protocol.js'

export type WebWorkerSandboxInit = Omit<PooledSandboxInit, 'spawn'>

export function webWorkerSandboxHost (init: WebWorkerSandboxInit = {}): PooledSandboxHost {
  return pooledSandboxHost({ ...init, spawn: webWorkerPort })
}

function webWorkerPort (): WorkerPort {
  const worker = new Worker(new URL('./worker-sandbox-worker.ts', import.meta.url), { type: 'module', name: 'qflow-sandbox' })
  let dead = false
  const port: WorkerPort = {
    post: message => worker.postMessage(message),
    terminate: () => { dead = true; worker.terminate() }
  }
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => port.onMessage?.(event.data)
  const die = (message: string): void => {
    if (dead) return
    dead = true
    worker.terminate()
    port.onExit?.(new Error(message))
  }
  worker.onerror = (event: ErrorEvent) => { event.preventDefault(); die(`the sandbox worker failed: ${event.message ?? 'unknown error'}`) }
  worker.onmessageerror = () => die('the sandbox worker sent a message that could not be read')
  return port
}
