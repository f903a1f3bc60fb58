import type { ResourceLimits } from '../../shared/flow.js'

/**
 * Runs guest code (JavaScript in QuickJS/WASM, or WASI modules) away from the host's
 * thread and realm. Implementations: `threadSandboxHost` (node/platform, worker_threads) and
 * `webWorkerSandboxHost` (web/platform, Web Workers), both built on `src/sandbox`.
 */
export interface SandboxRequest {
  kind: 'function' | 'wasm'
  /** JavaScript source for `function`: the body of an async function of `(input, ctx)`. */
  code?: string
  /** Module CID or registered template name for `wasm`. */
  module?: string
  /** Crosses as JSON: the guest's `input` (function) or stdin (wasm). */
  input: unknown
  /** Step limits; each may only lower the node's `sandbox` config. */
  limits: ResourceLimits
  /** Passed through to the DAO code-whitelist hook. */
  daoSubnet?: string
  idempotencyKey: string
  /** Plain data the guest sees as `ctx` (besides `ctx.log`). */
  context?: SandboxGuestContext
}

export interface SandboxGuestContext {
  executionId?: string
  flowId?: string
  stepId?: string
  attempt?: number
}

export interface SandboxRunOptions {
  /** Aborting terminates the guest's worker (it is replaced). */
  signal: AbortSignal
  /** Each guest log line as it is written (also returned in `logs`). */
  onLog?(line: string): void
}

export interface SandboxResult {
  output: unknown
  logs: string[]
  /** CID of the code that ran (UTF-8 source for `function`, module bytes for `wasm`). */
  cid?: string
}

export interface SandboxHost {
  /**
   * @example
   * const { output } = await host.run({ kind: 'function', code: 'return input.a + 1', input: { a: 1 },
   *   limits: {}, idempotencyKey: 'e1:s1:1' }, { signal })   // output === 2
   */
  run(request: SandboxRequest, options: SandboxRunOptions): Promise<SandboxResult>
}
