/**
 * The Node composition root: builds an engine from the isomorphic core plus what this
 * platform provides: the durable IPFS-block store on disk (or memory), the sandbox, and trust
 * (the node identity, the validation pipeline, the DAO registry).
 *
 * Trust: every execution is admitted by a signed start operation (`pipeline.validate`) and
 * every step passes `validateStep` first (see `platform/trust-admission.ts`). Starts through
 * `engine.startExecution` are signed by the node identity for its local owner; `start(…,
 * { actor })` signs as another identity. The sandbox's `dao-approved` code policy is the DAO
 * registry of the trust store. Without a passphrase the state keyring's master key derives
 * from the node identity (`platform/trust-node.ts`).
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../src/index.js'
import type { ActionRegistry, EngineInit, ExecutionEngine, StateStore } from '../src/index.js'
import { blockstoreSource, moduleRegistry, sandboxActions } from '../src/sandbox/index.js'
import type { CodePolicy, PooledSandboxHost, SandboxInit } from '../src/sandbox/index.js'
import type { HeliaStateStore, Keyring } from '../src/state/index.js'
import type { DaoRegistry, SquidIdentity, TrustPipeline, ValidationPipeline } from '../src/trust/index.js'
import { lockDataDir } from './platform/data-lock.js'
import { openNodeStateStore } from './platform/helia-node.js'
import { threadSandboxHost } from './platform/thread-sandbox-host.js'
import { admissionControl, admittedDispatcher, presetIds } from './platform/trust-admission.js'
import type { Admission, AdmitOptions } from './platform/trust-admission.js'
import { explainWrongKey, openNodeTrust } from './platform/trust-node.js'
import type { NodeTrustOptions } from './platform/trust-node.js'
import type { NodeTrustStore } from './platform/trust-store.js'

/** `$QFLOW_DATA`, else `.qflow` in the current directory. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.QFLOW_DATA != null && env.QFLOW_DATA !== '' ? env.QFLOW_DATA : '.qflow')
}

export interface NodeRuntimeInit extends EngineInit {
  /** Keep state in this directory (durable); absent: in memory. */
  dataDir?: string
  /**
   * Encrypts the node identity's key file and wraps the data keys. Without it the data keys
   * are wrapped by a key derived from the node identity (or by `<dataDir>/master.key` in a
   * data directory created before identities).
   */
  passphrase?: string
  /** Resume every non-terminal execution of the data directory on start (default true). */
  recover?: boolean
  /** The config's `sandbox` section for function/wasm steps (worker threads); `false`: no sandbox. */
  sandbox?: SandboxInit | false
  /** The code whitelist consulted in `dao-approved` mode (default: the DAO registry, `trust.dao`). */
  codePolicy?: CodePolicy
  /** The validation pipeline's options (authorities besides the node, rate limit, allow-list, skew). */
  trust?: NodeTrustOptions
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
  /** The node's sQuid identity: persisted in `<dataDir>/trust/node/`, ephemeral in memory. */
  identity: SquidIdentity
  /** The validation pipeline every start and step goes through (also `trust.pipeline.pipeline`). */
  pipeline: ValidationPipeline
  /**
   * Trust parts: the pipeline with its grant verifier, revocation list and metadata index; the
   * DAO registry (membership, code approvals); the trust store on a data directory.
   */
  trust: { pipeline: TrustPipeline, dao: DaoRegistry, store?: NodeTrustStore }
  /**
   * Admits and starts an execution: signs the start as `options.actor` (default the node, for
   * its local owner) or takes a start operation signed elsewhere (`options.operation`), runs
   * `pipeline.validate` (rejects with `ValidationFailedError`: nothing is started), and resolves
   * with the execution id.
   *
   * @example
   * const id = await runtime.start('report', { month: '2026-01' }, { actor: alice, grants })
   */
  start(flowId: string, input?: Record<string, unknown>, options?: AdmitOptions): Promise<string>
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
  const closeAll = async (): Promise<void> => { for (const close of closers.splice(0)) await close() }
  try {
    return await build(init, clock, nodeId, closers, closeAll)
  } catch (err) {
    await closeAll()
    throw err
  }
}

async function build (init: NodeRuntimeInit, clock: ReturnType<typeof systemClock>, nodeId: string,
  closers: Array<() => Promise<void>>, closeAll: () => Promise<void>): Promise<NodeRuntime> {
  let store: StateStore = memoryStateStore()
  let durable: NodeRuntime['durable']
  let blocks: Parameters<typeof blockstoreSource>[0] | undefined
  const dataDir = init.dataDir != null ? resolve(init.dataDir) : undefined
  if (dataDir != null) {
    await mkdir(dataDir, { recursive: true })
    closers.unshift(await lockDataDir(dataDir))
  }
  const trust = await openNodeTrust({ ...init.trust, clock, ...(dataDir != null ? { dataDir } : {}), ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })
  closers.unshift(trust.close)
  if (dataDir != null) {
    const keys = init.passphrase != null ? { passphrase: init.passphrase } : trust.stateMasterKey != null ? { masterKey: trust.stateMasterKey } : {}
    const opened = await openNodeStateStore({ dataDir, ...keys }).catch((err: unknown) => { throw explainWrongKey(err, dataDir, trust.stateMasterKey != null) })
    closers.unshift(opened.close)
    store = opened.store
    blocks = opened.blockstore
    durable = { store: opened.store, keyring: opened.keyring, dataDir }
  }
  let sandbox: PooledSandboxHost | undefined
  if (init.sandbox !== false) {
    sandbox = threadSandboxHost({
      ...(init.sandbox != null ? { config: init.sandbox } : {}),
      policy: init.codePolicy ?? trust.dao,
      ...(blocks != null ? { registry: moduleRegistry({ blocks: blockstoreSource(blocks) }) } : {})
    })
    const host = sandbox
    closers.unshift(async () => { await host.stop() })
  }
  const actions = builtinRegistry(sandbox != null ? sandboxActions(sandbox) : [])
  const pipeline = trust.trust.pipeline
  const ids = presetIds(randomIds())
  let admission: Admission | undefined
  const engine = createExecutionEngine({ ...(durable != null ? { checkpointInterval: 0 } : {}), ...init, nodeId }, {
    store, clock, actions, ids, dispatcher: admittedDispatcher(pipeline, localDispatcher(actions, { nodeId }), () => admission)
  })
  admission = admissionControl({ engine, store, pipeline, ids, node: trust.identity, ownerGrant: trust.ownerGrant, checkOnBehalf: trust.checkOnBehalf })
  if (init.recover !== false) await engine.start()
  if (durable != null && init.retention != null) closers.unshift(retain(durable.store, init.retention))
  const admit = admission
  return {
    engine,
    actions,
    store,
    ...(durable != null ? { durable } : {}),
    ...(sandbox != null ? { sandbox } : {}),
    identity: trust.identity,
    pipeline,
    trust: { pipeline: trust.trust, dao: trust.dao, ...(trust.store != null ? { store: trust.store } : {}) },
    start: async (flowId, input, options) => await admit.start(flowId, input, options),
    close: async () => {
      await engine.stop()
      await closeAll()
    }
  }
}
