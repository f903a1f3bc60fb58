/**
 * A fresh QuickJS runtime + context, built while the worker is idle so a call does not pay
 * for it, and thrown away after one execution: nothing survives from one run to the next.
 * The built-ins the runner relies on are captured as handles before any guest code runs, so
 * a guest that replaces `JSON.stringify` only changes its own globals.
 */
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core'
import { installConsole } from './console.js'

export interface GuestHooks {
  log(line: string): void
  /** Performs a guest fetch through the host; resolves with the response as JSON text. */
  fetch(requestJson: string): Promise<string>
}

export interface RunState {
  /** `Date.now()` after which the interrupt handler stops the guest (Infinity while idle). */
  deadline: number
  hooks?: GuestHooks
  /** Bytes a single log line may still take (checked before a string is copied out). */
  logBudget: number
  /** Host calls the guest awaits. */
  pending: Set<QuickJSDeferredPromise>
  /** Wakes the pump when a host call settles. */
  wake?: () => void
  /** True once the instance's WebAssembly memory is at its maximum. */
  memoryFull?: () => boolean
}

export interface Builtins {
  JSON: QuickJSHandle
  stringify: QuickJSHandle
  parse: QuickJSHandle
  freeze: QuickJSHandle
  AsyncFunction: QuickJSHandle
  String: QuickJSHandle
  consoleLog: QuickJSHandle
}

export interface PreparedContext {
  runtime: QuickJSRuntime
  context: QuickJSContext
  builtins: Builtins
  state: RunState
}

export function prepareContext (qjs: QuickJSWASMModule): PreparedContext {
  const state: RunState = { deadline: Infinity, logBudget: 0, pending: new Set() }
  const runtime = qjs.newRuntime({ interruptHandler: () => Date.now() > state.deadline })
  const context = runtime.newContext()
  const tools = context.unwrapResult(context.evalCode('[JSON, JSON.stringify, JSON.parse, Object.freeze, (async function () {}).constructor, String]'))
  const [json, stringify, parse, freeze, asyncFunction, string] = [0, 1, 2, 3, 4, 5].map(i => context.getProp(tools, i))
  tools.dispose()
  const partial = { JSON: json, stringify, parse, freeze, AsyncFunction: asyncFunction, String: string }
  const consoleLog = installConsole(context, partial, state)
  const prepared = { runtime, context, builtins: { ...partial, consoleLog }, state }
  rehearse(prepared)
  return prepared
}

/**
 * Walks the call path once with host-written code, so QuickJS's first-use work in a new
 * context (shapes, atoms, parser state) happens now, while the worker is idle. Nothing the
 * guest can observe remains: the objects made here are unreachable once disposed.
 */
function rehearse ({ context, runtime, builtins }: PreparedContext): void {
  const words = ['input', 'ctx', 'return input'].map(w => context.newString(w))
  const fn = context.unwrapResult(context.callFunction(builtins.AsyncFunction, context.undefined, ...words))
  const arg = context.newString('{"a":[1]}').consume(text => context.unwrapResult(context.callFunction(builtins.parse, builtins.JSON, text)))
  context.setProp(arg, 'log', builtins.consoleLog)
  context.callFunction(builtins.freeze, context.undefined, arg).dispose()
  const promise = context.unwrapResult(context.callFunction(fn, context.undefined, arg, arg))
  runtime.executePendingJobs()
  const settled = context.getPromiseState(promise)
  if (settled.type === 'fulfilled') {
    context.callFunction(builtins.stringify, builtins.JSON, settled.value).dispose()
    settled.value.dispose()
  } else if (settled.type === 'rejected') settled.error.dispose()
  for (const h of [...words, fn, arg, promise]) h.dispose()
}

/** Defines the guest's `fetch` (only for jobs granted network access). */
export function installFetch (p: PreparedContext, glue: string): void {
  const { context, state } = p
  const host = context.newFunction('hostFetch', request => hostFetch(context, state, context.getString(request)))
  const factory = context.unwrapResult(context.evalCode(glue, 'qflow-fetch.js'))
  const fetch = context.unwrapResult(context.callFunction(factory, context.undefined, host))
  context.setProp(context.global, 'fetch', fetch)
  for (const h of [host, factory, fetch]) h.dispose()
}

function hostFetch (context: QuickJSContext, state: RunState, request: string): QuickJSHandle {
  const deferred = context.newPromise()
  state.pending.add(deferred)
  const settle = (how: 'resolve' | 'reject', make: () => QuickJSHandle): void => {
    if (!deferred.alive) return
    try {
      const handle = make()
      deferred[how](handle)
      handle.dispose()
    } catch {
      // the guest was interrupted or ran out of memory meanwhile: the pump reports that
    }
  }
  const call = state.hooks?.fetch(request) ?? Promise.reject(new Error('no host is listening'))
  call.then(
    json => settle('resolve', () => context.newString(json)),
    (err: { name?: string, message?: string }) => settle('reject', () => context.newError({ name: String(err?.name ?? 'Error'), message: String(err?.message ?? err) }))
  ).finally(() => {
    state.pending.delete(deferred)
    deferred.dispose()
    state.wake?.()
  })
  return deferred.handle
}

/** Frees everything; false when QuickJS refused (its state is suspect: retire the worker). */
export function disposeContext (prepared: PreparedContext): boolean {
  try {
    for (const deferred of prepared.state.pending) deferred.dispose()
    prepared.state.pending.clear()
    prepared.state.hooks = undefined
    for (const handle of Object.values(prepared.builtins)) handle.dispose()
    prepared.context.dispose()
    prepared.runtime.dispose()
    return true
  } catch {
    return false
  }
}
