import { ErrorType } from '../shared/errors.js'
import type { ExecutionError, PathError } from '../shared/errors.js'

/** A classified failure: carries the seed's ErrorType and retry intent across boundaries. */
export class StepError extends Error {
  readonly type: ErrorType
  readonly retryable: boolean
  readonly details: Record<string, unknown>

  constructor (type: ErrorType, message: string, options: { retryable?: boolean, details?: Record<string, unknown>, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'StepError'
    this.type = type
    this.retryable = options.retryable ?? defaultRetryable(type)
    this.details = options.details ?? {}
  }
}

export class TimeoutError extends StepError {
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.TIMEOUT_ERROR, message, { retryable: true, details })
    this.name = 'TimeoutError'
  }
}

export class AbortError extends Error {
  constructor (message = 'The operation was aborted') {
    super(message)
    this.name = 'AbortError'
  }
}

/** A flow document that failed validation; `errors` lists every problem with its path. */
export class InvalidFlowError extends Error {
  readonly errors: PathError[]
  constructor (errors: PathError[]) {
    super(`invalid flow: ${errors.map(e => `${e.path}: ${e.message}`).join('; ')}`)
    this.name = 'InvalidFlowError'
    this.errors = errors
  }
}

export class NotFoundError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'NotFoundError'
  }
}

/** A request the execution's current status does not allow (e.g. resume a completed run). */
export class InvalidStateError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidStateError'
  }
}

function defaultRetryable (type: ErrorType): boolean {
  return type === ErrorType.NETWORK_ERROR || type === ErrorType.TIMEOUT_ERROR ||
    type === ErrorType.NODE_FAILURE || type === ErrorType.EXECUTION_ERROR
}

/** Turns anything thrown into the seed's ExecutionError. */
export function toExecutionError (err: unknown, at: number, extra: { stepId?: string, nodeId?: string } = {}): ExecutionError {
  const e = err as Partial<StepError> & { name?: string, message?: string, stack?: string }
  const isObj = err != null && typeof err === 'object'
  let type: ErrorType = ErrorType.EXECUTION_ERROR
  if (isObj && typeof e.type === 'string' && (Object.values(ErrorType) as string[]).includes(e.type)) type = e.type
  else if (isObj && (e.name === 'TimeoutError')) type = ErrorType.TIMEOUT_ERROR
  const message = isObj ? String(e.message ?? e.name ?? 'unknown error') : String(err)
  const retryable = isObj && typeof e.retryable === 'boolean' ? e.retryable : defaultRetryable(type)
  const details: Record<string, unknown> = isObj && e.details != null && typeof e.details === 'object' ? { ...e.details } : {}
  const out: ExecutionError = { type, message, retryable, details, timestamp: new Date(at).toISOString() }
  if (extra.stepId != null) out.stepId = extra.stepId
  if (extra.nodeId != null) out.nodeId = extra.nodeId
  return out
}
