/**
 * Network failures. Each is a `StepError` so the engine's retry and log see a seed ErrorType;
 * callers branch on `err.name` (errors cross the wire as data).
 */
import { ErrorType } from '../../shared/errors.js'
import { StepError } from '../errors.js'

export class NoNodeAvailableError extends StepError {
  static readonly NAME = 'NoNodeAvailableError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.NODE_FAILURE, message, { retryable: true, details })
    this.name = NoNodeAvailableError.NAME
  }
}

/** The executor declined the step (subnet it does not serve, action its policy disallows, bad envelope). */
export class DispatchRefusedError extends StepError {
  static readonly NAME = 'DispatchRefusedError'
  readonly code: string
  constructor (code: string, message: string, type: string = ErrorType.DAO_POLICY_VIOLATION) {
    super(type as ErrorType, message, { retryable: false, details: { code } })
    this.name = DispatchRefusedError.NAME
    this.code = code
  }
}

/** The executor died, disconnected, fell silent or missed its deadline. */
export class ExecutorLostError extends StepError {
  static readonly NAME = 'ExecutorLostError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.NODE_FAILURE, message, { retryable: true, details })
    this.name = ExecutorLostError.NAME
  }
}

/** A result that is not signed by the node that was asked, or answers another request. */
export class ForgedResultError extends StepError {
  static readonly NAME = 'ForgedResultError'
  constructor (message: string) {
    super(ErrorType.PERMISSION_DENIED, message, { retryable: true })
    this.name = ForgedResultError.NAME
  }
}

/** Redundant replicas returned no majority. */
export class NoConsensusError extends StepError {
  static readonly NAME = 'NoConsensusError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.EXECUTION_ERROR, message, { retryable: true, details })
    this.name = NoConsensusError.NAME
  }
}

/** A malformed message on the dispatch protocol. */
export class ProtocolError extends StepError {
  static readonly NAME = 'ProtocolError'
  constructor (message: string) {
    super(ErrorType.NETWORK_ERROR, message, { retryable: true })
    this.name = ProtocolError.NAME
  }
}
