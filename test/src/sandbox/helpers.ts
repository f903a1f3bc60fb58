/** Small helpers shared by the sandbox specs. */
import type { SandboxRequest, SandboxResult } from '../../../src/interface/sandbox-host.js'
import type { PooledSandboxHost } from '../../../src/sandbox/pooled-sandbox-host.js'

export type Run = (request: Partial<SandboxRequest>, onLog?: (line: string) => void) => Promise<SandboxResult>

/** `run({ code })` with defaults for everything else. */
export function runner (host: PooledSandboxHost): Run {
  return (request, onLog) => host.run({
    kind: request.module != null ? 'wasm' : 'function',
    input: {},
    limits: {},
    idempotencyKey: 'exec:step:1',
    ...request
  }, { signal: new AbortController().signal, onLog })
}

/** The settled error of a promise (fails the test if it resolved). */
export async function failureOf (promise: Promise<unknown>): Promise<Error & { type?: string, retryable?: boolean, details?: Record<string, unknown> }> {
  try {
    const value = await promise
    throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
  } catch (err) {
    return err as Error & { type?: string }
  }
}
