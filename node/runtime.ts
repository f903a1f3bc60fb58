/**
 * The Node composition root: builds an engine from the isomorphic core plus what this
 * platform provides: the durable IPFS-block store on disk (or memory), and later the
 * sandbox and the network.
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../src/index.js'
import type { ActionRegistry, EngineInit, ExecutionEngine, StateStore } from '../src/index.js'
import { blockstoreSource, moduleRegistry, sandboxActions } from '../src/sandbox/index.js'
import type { CodePolicy, PooledSandboxHost, SandboxInit } from '../src/sandbox/index.js'
import type { HeliaStateStore, Keyring } from '../src/state/index.js'
import { lockDataDir } from './platform/data-lock.js'
import { openNodeStateStore } from './platform/helia-node.js'
import { threadSandboxHost } from './platform/thread-sandbox-host.js'

/** `$QFLOW_DATA`, else `.qflow` in the current directory. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.QFLOW_DATA != null && env.QFLOW_DATA !== '' ? env.QFLOW_DATA : '.qflow')
}

export interface NodeRuntimeInit extends EngineInit {
  /** Keep state in this directory (durable); absent: in memory. */
  dataDir?: string
  /** Wraps the data keys instead of `<dataDir>/master.key`. */
  passphrase?: string
  /** Resume every non-terminal execution of the data directory on start (default true). */
  recover?: boolean
  /** The config's `sandbox` section for function/wasm steps (worker threads); `false`: no sandbox. */
  sandbox?: SandboxInit | false
  /** The code whitelist consulted in `dao-approved` mode (default: approves nothing). */
  codePolicy?: CodePolicy
  /**
   * History retention on a data directory: terminal executions older than `maxAgeMs` or beyond
   * the newest `maxCount` are pruned and unreferenced blocks collected, at start and then every
   * `everyMs` (default hourly). Absent: history is kept.
   */
  retention?: { maxAgeMs?: number, maxCount?: number, everyMs?: number }
}

export interface NodeRuntime {
  engine: ExecutionEngine
  actions: ActionRegistry
  store: StateStore
  /** The durable store and its keyring, when running on a data directory. */
  durable?: { store: HeliaStateStore, keyring: Keyring, dataDir: string }
  sandbox?: PooledSandboxHost
  close(): Promise<void>
}

/** Applies the retention policy now and periodically; returns its stop function. */
function retain (store: HeliaStateStore, policy: NonNullable<NodeRuntimeInit['retention']>): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  const run = (): void => {
    running = store.prune({ maxAgeMs: policy.maxAgeMs, maxCount: policy.maxCount }).catch((err: Error) => {
      // retention is housekeeping: a failure is reported and retried at the next tick
      process.stderr.write(`qflow: retention failed: ${err.message}\n`)
    })
  }
  run()
  const timer = setInterval(run, policy.everyMs ?? 3_600_000)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}

export async function createNodeRuntime (init: NodeRuntimeInit = {}): Promise<NodeRuntime> {
  const clock = systemClock()
  const nodeId = init.nodeId ?? 'local'
  const closers: Array<() => Promise<void>> = []
  let store: StateStore = memoryStateStore()
  let durable: NodeRuntime['durable']
  let blocks: Parameters<typeof blockstoreSource>[0] | undefined
  if (init.dataDir != null) {
    const dataDir = resolve(init.dataDir)
    await mkdir(dataDir, { recursive: true })
    closers.unshift(await lockDataDir(dataDir))
    const opened = await openNodeStateStore({ dataDir, ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })
    closers.unshift(opened.close)
    store = opened.store
    blocks = opened.blockstore
    durable = { store: opened.store, keyring: opened.keyring, dataDir }
  }
  let sandbox: PooledSandboxHost | undefined
  if (init.sandbox !== false) {
    sandbox = threadSandboxHost({
      ...(init.sandbox != null ? { config: init.sandbox } : {}),
      ...(init.codePolicy != null ? { policy: init.codePolicy } : {}),
      ...(blocks != null ? { registry: moduleRegistry({ blocks: blockstoreSource(blocks) }) } : {})
    })
    const host = sandbox
    closers.unshift(async () => { await host.stop() })
  }
  const actions = builtinRegistry(sandbox != null ? sandboxActions(sandbox) : [])
  const engine = createExecutionEngine({ ...(durable != null ? { checkpointInterval: 0 } : {}), ...init, nodeId }, {
    store, clock, actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId })
  })
  if (init.recover !== false) await engine.start()
  if (durable != null && init.retention != null) closers.unshift(retain(durable.store, init.retention))
  return {
    engine,
    actions,
    store,
    ...(durable != null ? { durable } : {}),
    ...(sandbox != null ? { sandbox } : {}),
    close: async () => {
      await engine.stop()
      for (const close of closers) await close()
    }
  }
}
