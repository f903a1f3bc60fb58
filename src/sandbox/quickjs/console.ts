/**
 * The guest's `console`: each level is a host function that formats its arguments (strings
 * as is, errors as `name: message` + stack, anything else as JSON) and hands one line to the
 * log hook. A line larger than the remaining log budget is never copied out of QuickJS.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'
import type { Builtins, RunState } from './prepared-context.js'

const LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const

/** Installs `console` on the guest's global object; returns a handle to `console.log`. */
export function installConsole (context: QuickJSContext, builtins: Omit<Builtins, 'consoleLog'>, state: RunState): QuickJSHandle {
  const console = context.newObject()
  for (const level of LEVELS) {
    const fn = context.newFunction(level, (...args) => {
      const text = args.map(arg => format(context, builtins, state, arg)).join(' ')
      state.hooks?.log(level === 'log' ? text : `[${level}] ${text}`)
    })
    context.setProp(console, level, fn)
    fn.dispose()
  }
  context.callFunction(builtins.freeze, context.undefined, console).dispose()
  context.setProp(context.global, 'console', console)
  const log = context.getProp(console, 'log')
  console.dispose()
  return log
}

function format (context: QuickJSContext, builtins: Omit<Builtins, 'consoleLog'>, state: RunState, arg: QuickJSHandle): string {
  if (context.typeof(arg) === 'string') return readString(context, state, arg)
  if (context.typeof(arg) === 'object' && !context.sameValue(arg, context.null)) {
    const stack = context.getProp(arg, 'stack')
    const trace = context.typeof(stack) === 'string' ? readString(context, state, stack) : undefined
    stack.dispose()
    if (trace != null) return `${convert(context, state, builtins.String, arg)}\n${trace}`.trimEnd()
  }
  const json = context.callFunction(builtins.stringify, builtins.JSON, arg)
  if (json.error == null && context.typeof(json.value) === 'string') return json.value.consume(h => readString(context, state, h))
  json.dispose()
  return convert(context, state, builtins.String, arg)
}

function convert (context: QuickJSContext, state: RunState, fn: QuickJSHandle, arg: QuickJSHandle): string {
  const result = context.callFunction(fn, context.undefined, arg)
  if (result.error != null) { result.dispose(); return '[unprintable]' }
  return result.value.consume(h => context.typeof(h) === 'string' ? readString(context, state, h) : '[unprintable]')
}

function readString (context: QuickJSContext, state: RunState, handle: QuickJSHandle): string {
  const length = context.getProp(handle, 'length').consume(h => context.getNumber(h))
  if (length > state.logBudget) return `[${length} characters: above the log limit]`
  return context.getString(handle)
}
