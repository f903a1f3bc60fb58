/**
 * The platform-neutral SandboxHost: resolves the code, applies the whitelist, validates and
 * compiles WASM modules, runs the job on the worker pool and re-parses the output. Platform
 * hosts only supply `spawn` (how to start a worker).
 */
import type { SandboxHost, SandboxRequest, SandboxResult, SandboxRunOptions } from '../interface/sandbox-host.js'
import { NotFoundError } from '../errors.js'
import { cidOfSource } from './cid.js'
import { assertApproved, localAllowList, type CodePolicy } from './code-policy.js'
import { effectiveLimits, sandboxConfig, type EffectiveLimits, type SandboxConfig, type SandboxInit } from './config.js'
import { executionError, invalidModule } from './errors.js'
import { fetchSession } from './fetch-grant.js'
import { moduleRegistry, type ModuleRegistry } from './module-registry.js'
import { parseGuestOutput, serializeInput } from './output.js'
import { workerPool, type PoolStats } from './pool/worker-pool.js'
import type { SpawnWorker } from './pool/worker-port.js'
import type { RunJob, WorkerLimits } from './protocol.js'
import { compileCache, type CompileCache } from './wasm/prepare.js'

export interface PooledSandboxInit {
  spawn: SpawnWorker
  /** The config's `sandbox` section. */
  config?: SandboxInit
  /** Where `wasm` steps find modules (default: an in-memory registry). */
  registry?: ModuleRegistry
  /** The DAO whitelist hook (default: a local allow-list that approves nothing). */
  policy?: CodePolicy
  cache?: CompileCache
}

export interface PooledSandboxHost extends SandboxHost {
  readonly config: Readonly<SandboxConfig>
  readonly registry: ModuleRegistry
  readonly cache: CompileCache
  /** Spawns the warm workers now (otherwise on the first run). */
  start(): void
  stop(): Promise<void>
  stats(): PoolStats
}

type Job = RunJob extends infer T ? T extends unknown ? Omit<T, 'id'> : never : never

export function pooledSandboxHost (init: PooledSandboxInit): PooledSandboxHost {
  const config = sandboxConfig(init.config)
  const registry = init.registry ?? moduleRegistry()
  const policy = init.policy ?? localAllowList()
  const cache = init.cache ?? compileCache()
  const pool = workerPool({ spawn: init.spawn, size: config.poolSize, memoryBytes: effectiveLimits(config).memoryBytes })

  /** Steps run the same code again and again: remember the CIDs of recent (small) sources. */
  const recentCids = new Map<string, string>()
  async function codeCid (code: string): Promise<string> {
    const known = recentCids.get(code)
    if (known != null) return known
    const cid = (await cidOfSource(code)).toString()
    if (code.length <= 64 * 1024) {
      recentCids.set(code, cid)
      if (recentCids.size > 256) recentCids.delete(recentCids.keys().next().value as string)
    }
    return cid
  }

  async function toJob (request: SandboxRequest, limits: EffectiveLimits, signal: AbortSignal): Promise<{ job: Job, cid: string }> {
    const workerLimits: WorkerLimits = {
      timeMs: limits.timeMs, memoryBytes: limits.memoryBytes, outputBytes: limits.outputBytes, logBytes: limits.logBytes, stackBytes: limits.stackBytes
    }
    const input = serializeInput(request.input)
    const daoSubnet = request.daoSubnet
    if (request.kind === 'function') {
      if (typeof request.code !== 'string') throw invalidModule('a function step needs params.code (JavaScript source)')
      const cid = await codeCid(request.code)
      await assertApproved(config.allowedModules, policy, cid, { daoSubnet, signal })
      const context = serializeInput({ ...request.context, idempotencyKey: request.idempotencyKey })
      return { cid, job: { type: 'run', kind: 'function', code: request.code, input, context, limits: workerLimits, fetch: limits.networkRequests > 0 } }
    }
    if (request.kind === 'wasm') {
      if (typeof request.module !== 'string' || request.module === '') throw invalidModule('a wasm step needs params.module (a CID or template name)')
      const ref = registry.lookup(request.module)
      if (ref == null) throw executionError(`no WASM module or template named ${request.module}`, { module: request.module, reason: 'module-not-found' })
      await assertApproved(config.allowedModules, policy, ref.cid, { daoSubnet, signal }, ref.name == null ? [] : [ref.name])
      const load = async (): Promise<Uint8Array> => {
        try {
          // not tied to this caller's signal: the compile may be shared with concurrent runs
          return (await registry.resolve(ref.cid)).bytes
        } catch (err) {
          if (err instanceof NotFoundError) throw executionError(err.message, { module: request.module, reason: 'module-not-found' })
          throw err
        }
      }
      const prepared = await cache.prepare(ref.cid, load, { memoryBytes: limits.memoryBytes, maxModuleBytes: config.maxModuleBytes })
      return {
        cid: ref.cid,
        job: { type: 'run', kind: 'wasm', module: prepared.module, input, limits: workerLimits, memory: { initialPages: prepared.initialPages, maxPages: prepared.maxPages } }
      }
    }
    throw invalidModule(`unknown sandbox kind: ${String((request as { kind?: unknown }).kind)}`)
  }

  return {
    config,
    registry,
    cache,
    start: () => pool.start(),
    stop: async () => pool.stop(),
    stats: () => pool.stats(),
    async run (request: SandboxRequest, options: SandboxRunOptions): Promise<SandboxResult> {
      const signal = options?.signal ?? new AbortController().signal
      signal.throwIfAborted()
      const limits = effectiveLimits(config, request.limits)
      const { job, cid } = await toJob(request, limits, signal)
      signal.throwIfAborted()
      const session = config.network != null && limits.networkRequests > 0 ? fetchSession(config.network, limits.networkRequests) : undefined
      const logs: string[] = []
      const output = await pool.run(job, {
        signal,
        limitMs: limits.timeMs,
        backstopMs: limits.timeMs + (job.kind === 'function' ? config.backstopGraceMs : 0),
        onLog: line => { logs.push(line); options?.onLog?.(line) },
        onFetch: session == null ? undefined : async request => JSON.stringify(await session.fetch(request, signal))
      })
      return { output: parseGuestOutput(output, limits.outputBytes), logs, cid }
    }
  }
}
