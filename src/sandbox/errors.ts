/**
 * Sandbox failures are `StepError`s carrying the seed's ErrorType, so they survive the
 * worker boundary as data (`GuestError`) and classify the same way in every runtime.
 */
import { ERROR_TYPES, ErrorType } from '../../shared/errors.js'
import { StepError } from '../errors.js'
import type { GuestError } from './protocol.js'

export function resourceExhausted (message: string, details: Record<string, unknown> = {}): StepError {
  return new StepError(ErrorType.RESOURCE_EXHAUSTED, message, { retryable: false, details })
}

export function sandboxTimeout (limitMs: number, how: 'interrupted' | 'terminated'): StepError {
  return new StepError(ErrorType.TIMEOUT_ERROR, `sandbox deadline of ${limitMs} ms exceeded: the guest was ${how}`,
    { details: { limitMs, how } })
}

export function policyViolation (cid: string, reason: string): StepError {
  return new StepError(ErrorType.DAO_POLICY_VIOLATION, `code ${cid} is not approved to run here: ${reason}`,
    { retryable: false, details: { cid, reason } })
}

export function invalidModule (message: string, details: Record<string, unknown> = {}): StepError {
  return new StepError(ErrorType.VALIDATION_ERROR, message, { retryable: false, details })
}

export function executionError (message: string, details: Record<string, unknown> = {}, retryable = false): StepError {
  return new StepError(ErrorType.EXECUTION_ERROR, message, { retryable, details })
}

/** Rebuilds a StepError from what a worker sent; an unknown type from a confused worker becomes EXECUTION_ERROR. */
export function fromGuestError (error: GuestError): StepError {
  const type = (ERROR_TYPES as readonly string[]).includes(error?.type) ? error.type : ErrorType.EXECUTION_ERROR
  const details: Record<string, unknown> = { ...(error?.details ?? {}) }
  if (typeof error?.name === 'string') details.guestName = error.name
  if (typeof error?.stack === 'string' && error.stack !== '') details.stack = error.stack
  // retry intent follows the engine's defaults for the type (timeouts and guest exceptions may be retried)
  const err = new StepError(type, String(error?.message ?? 'sandbox failure'), { details })
  if (typeof error?.stack === 'string') err.stack = `${err.name}: ${err.message}\n${error.stack}`
  return err
}
