import type { ResourceLimits } from '../../shared/flow.js'

/**
 * Runs guest code (JavaScript in QuickJS/WASM, or WASI modules) away from the host's
 * thread and realm. The WASM sandbox issue implements it per platform; until one is
 * injected, `qflow.action.function` and `qflow.action.wasm` fail with a clear error.
 */
export interface SandboxRequest {
  kind: 'function' | 'wasm'
  /** JavaScript source for `function`. */
  code?: string
  /** Module CID or registered template name for `wasm`. */
  module?: string
  input: unknown
  limits: ResourceLimits
  /** Passed through to the DAO code-whitelist hook. */
  daoSubnet?: string
  idempotencyKey: string
}

export interface SandboxResult {
  output: unknown
  logs: string[]
}

export interface SandboxHost {
  run(request: SandboxRequest, options: { signal: AbortSignal }): Promise<SandboxResult>
}
