/**
 * Turns a value the guest threw (or QuickJS raised: interrupt, out of memory, stack overflow)
 * into a classified {@link GuestError}. Reading properties may run guest getters, so callers
 * give the runtime a small fresh budget first.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'
import { ErrorType } from '../../../shared/errors.js'
import type { GuestError } from '../protocol.js'

const RESOURCE_MESSAGES = /^(out of memory|stack overflow|string too long)$|Maximum call stack/

export function readGuestError (context: QuickJSContext, handle: QuickJSHandle, deadlinePassed: boolean, memoryFull: boolean): GuestError {
  // with no memory left QuickJS cannot even allocate the error object and throws null
  if (memoryFull && (context.sameValue(handle, context.null) || context.typeof(handle) === 'undefined')) {
    return { type: ErrorType.RESOURCE_EXHAUSTED, name: 'InternalError', message: 'out of memory' }
  }
  const { name, message, stack } = describe(context, handle)
  let type: ErrorType = ErrorType.EXECUTION_ERROR
  if (name === 'InternalError' && message === 'interrupted' && deadlinePassed) type = ErrorType.TIMEOUT_ERROR
  else if ((name === 'InternalError' || name === 'SyntaxError' || name === 'RangeError') && RESOURCE_MESSAGES.test(message)) type = ErrorType.RESOURCE_EXHAUSTED
  // a refused capability (see fetch-grant.ts) the guest did not catch
  else if (name === 'PermissionDeniedError') type = ErrorType.PERMISSION_DENIED
  else if (name === 'ResourceExhaustedError') type = ErrorType.RESOURCE_EXHAUSTED
  const error: GuestError = { type, name, message }
  if (stack !== '') error.stack = stack
  return error
}

function describe (context: QuickJSContext, handle: QuickJSHandle): { name: string, message: string, stack: string } {
  const kind = context.typeof(handle)
  if (kind === 'string') return { name: 'Error', message: context.getString(handle), stack: '' }
  if (kind === 'number') return { name: 'Error', message: String(context.getNumber(handle)), stack: '' }
  if (kind !== 'object' || context.sameValue(handle, context.null)) return { name: 'Error', message: `the guest threw ${kind}`, stack: '' }
  return {
    name: stringProp(context, handle, 'name') ?? 'Error',
    message: stringProp(context, handle, 'message') ?? 'the guest threw a non-Error object',
    stack: stringProp(context, handle, 'stack') ?? ''
  }
}

function stringProp (context: QuickJSContext, handle: QuickJSHandle, key: string): string | undefined {
  try {
    const value = context.getProp(handle, key)
    try {
      return context.typeof(value) === 'string' ? context.getString(value).slice(0, 16_384) : undefined
    } finally {
      value.dispose()
    }
  } catch {
    return undefined
  }
}

/** A failure of the QuickJS machinery itself (e.g. the host stack overflowed inside it). */
export function hostFailure (err: unknown): GuestError {
  const e = err as { name?: string, message?: string, stack?: string }
  if (e?.name === 'RangeError' && /call stack/i.test(String(e.message))) {
    return { type: ErrorType.RESOURCE_EXHAUSTED, name: 'RangeError', message: 'stack overflow (the worker stack was exhausted)' }
  }
  return { type: ErrorType.EXECUTION_ERROR, name: String(e?.name ?? 'Error'), message: `sandbox failure: ${String(e?.message ?? err)}` }
}
