/**
 * The Node sandbox host: the pooled host over worker_threads. Each worker also gets V8
 * `resourceLimits` as an extra guard (guest memory itself is capped by the size of QuickJS's
 * WebAssembly memory and by the WASM module's memory maximum); a worker that exceeds them dies
 * and is replaced.
 */
import { Worker, type ResourceLimits as WorkerResourceLimits } from 'node:worker_threads'
import { pooledSandboxHost, type PooledSandboxHost, type PooledSandboxInit } from '../../src/sandbox/pooled-sandbox-host.js'
import type { WorkerPort } from '../../src/sandbox/pool/worker-port.js'
import type { WorkerMessage } from '../../src/sandbox/protocol.js'

export interface ThreadSandboxInit extends Omit<PooledSandboxInit, 'spawn'> {
  /** V8 limits of each worker (default: 256 MiB old generation, 32 MiB young, 4 MiB stack). */
  workerLimits?: WorkerResourceLimits
}

const ENTRY = new URL('./thread-sandbox-worker.mjs', import.meta.url)

export function threadSandboxHost (init: ThreadSandboxInit = {}): PooledSandboxHost {
  const resourceLimits: WorkerResourceLimits = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4, ...init.workerLimits }
  return pooledSandboxHost({ ...init, spawn: () => threadPort(resourceLimits) })
}

function threadPort (resourceLimits: WorkerResourceLimits): WorkerPort {
  // env: {} and no argv: the worker's own realm sees no host environment either
  const worker = new Worker(ENTRY, { resourceLimits, env: {}, argv: [], stdout: false, stderr: false })
  let dead = false
  let busy = false
  const port: WorkerPort = {
    post: message => worker.postMessage(message),
    terminate: () => { dead = true; void worker.terminate() },
    // an idle pool must not keep the process alive; a running job must
    // the pool reports every worker's state after each hand-out: only a change reaches libuv
    setBusy: now => {
      if (now === busy) return
      busy = now
      if (busy) worker.ref(); else worker.unref()
    }
  }
  worker.on('message', (message: WorkerMessage) => port.onMessage?.(message))
  worker.on('error', (error: Error) => { if (!dead) { dead = true; port.onExit?.(error) } })
  worker.on('exit', (code: number) => { if (!dead) { dead = true; port.onExit?.(new Error(`the sandbox worker exited with code ${code}`)) } })
  worker.unref()
  return port
}
