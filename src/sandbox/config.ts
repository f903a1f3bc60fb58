/**
 * The `sandbox` section of the node config and the limits one execution runs under.
 * Step `resourceLimits` may lower a limit, never raise it above the node's config.
 */
import type { ResourceLimits } from '../../shared/flow.js'
import type { NetworkGrant } from './fetch-grant.js'

export interface SandboxConfig {
  /** QuickJS heap limit and WASM linear-memory maximum, in MiB (seed default 128). */
  maxMemoryMB: number
  /** Wall-clock budget of one execution, in ms (seed default 30000). */
  maxExecutionTimeMs: number
  /**
   * Which code may run: `'dao-approved'` asks the {@link CodePolicy}; `'*'` allows anything
   * (development only); any other entry is a CID or template name allowed outright.
   */
  allowedModules: string[]
  /** Warm workers kept by the pool (default 2). */
  poolSize: number
  /** Largest output, as UTF-8 JSON bytes (default 1 MiB). */
  maxOutputBytes: number
  /** Requests a guest may make through the granted `fetch` (default 0: no network). */
  maxNetworkRequests: number
  /** Log bytes kept per execution; later lines are dropped with one notice (default 64 KiB). */
  maxLogBytes: number
  /** QuickJS stack limit in KiB (default 256). */
  maxStackKB: number
  /** Largest WASM module accepted, in bytes (default 16 MiB). */
  maxModuleBytes: number
  /** How long after the deadline the worker is terminated if QuickJS did not stop itself (default 25 ms). */
  backstopGraceMs: number
  /** The `fetch` capability: off unless set and `maxNetworkRequests` > 0. */
  network?: NetworkGrant
}

export type SandboxInit = Partial<SandboxConfig>

export const DEFAULT_SANDBOX_CONFIG: Readonly<SandboxConfig> = Object.freeze({
  maxMemoryMB: 128,
  maxExecutionTimeMs: 30_000,
  allowedModules: ['dao-approved'],
  poolSize: 2,
  maxOutputBytes: 1024 * 1024,
  maxNetworkRequests: 0,
  maxLogBytes: 64 * 1024,
  maxStackKB: 256,
  maxModuleBytes: 16 * 1024 * 1024,
  backstopGraceMs: 25
})

const NUMERIC = ['maxMemoryMB', 'maxExecutionTimeMs', 'poolSize', 'maxOutputBytes', 'maxNetworkRequests',
  'maxLogBytes', 'maxStackKB', 'maxModuleBytes', 'backstopGraceMs'] as const

/** Fills in defaults and rejects nonsense eagerly (a negative limit, a pool of 0). */
export function sandboxConfig (init: SandboxInit = {}): SandboxConfig {
  const config: SandboxConfig = { ...DEFAULT_SANDBOX_CONFIG, ...stripUndefined(init) }
  for (const key of NUMERIC) {
    const value = config[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`sandbox.${key} must be a finite number >= 0`)
    }
  }
  if (config.poolSize < 1 || !Number.isInteger(config.poolSize)) throw new TypeError('sandbox.poolSize must be an integer >= 1')
  if (!Array.isArray(config.allowedModules)) throw new TypeError('sandbox.allowedModules must be a list of strings')
  config.allowedModules = [...config.allowedModules]
  return config
}

/** What one execution actually runs under, in the units the runners use. */
export interface EffectiveLimits {
  memoryBytes: number
  timeMs: number
  outputBytes: number
  networkRequests: number
  logBytes: number
  stackBytes: number
}

const MIB = 1024 * 1024

export function effectiveLimits (config: SandboxConfig, requested: ResourceLimits = {}): EffectiveLimits {
  return {
    memoryBytes: Math.floor(lower(requested.maxMemoryMB, config.maxMemoryMB) * MIB),
    timeMs: lower(requested.maxExecutionTimeMs, config.maxExecutionTimeMs),
    outputBytes: Math.floor(lower(requested.maxOutputBytes, config.maxOutputBytes)),
    networkRequests: config.network == null ? 0 : Math.floor(lower(requested.maxNetworkRequests, config.maxNetworkRequests)),
    logBytes: config.maxLogBytes,
    stackBytes: config.maxStackKB * 1024
  }
}

function lower (requested: number | undefined, cap: number): number {
  return typeof requested === 'number' && Number.isFinite(requested) && requested >= 0 ? Math.min(requested, cap) : cap
}

function stripUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
