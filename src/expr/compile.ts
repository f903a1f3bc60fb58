import jsonata from 'jsonata'
import { EvaluationGuard, GuardCode, GuardError, indexParallelSites } from './guard.js'
import { LruCache } from './lru.js'

/** A compiled expression, or why it does not parse. Both are cached: a bad flow re-fails cheaply. */
export type Compiled =
  | { readonly expression: jsonata.Expression, readonly error?: undefined }
  | { readonly error: CompileFailure, readonly expression?: undefined }

export interface CompileFailure {
  readonly message: string
  readonly code?: string
  readonly position?: number
}

/** Size of the compiled-expression cache (entries, keyed by source text). */
export const COMPILE_CACHE_SIZE = 500

/**
 * Name of the binding that carries the per-evaluation EvaluationGuard. It contains a space,
 * so no JSONata variable token (`$name`) can spell it.
 */
export const GUARD_BINDING = 'qflow guard'

const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry') // jsonata 2.x looks the hooks up by symbol;
const EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit') //   the string names of 1.x never fire

const cache = new LruCache<string, Compiled>(COMPILE_CACHE_SIZE)

/** Parses `source` once and keeps the result in a bounded LRU cache. */
export function compile (source: string): Compiled {
  let compiled = cache.get(source)
  if (compiled === undefined) {
    compiled = compileUncached(source)
    cache.set(source, compiled)
  }
  return compiled
}

/** Empties the cache (tests). */
export function clearCompileCache (): void {
  cache.clear()
}

function compileUncached (source: string): Compiled {
  let expression: jsonata.Expression
  try {
    expression = jsonata(source)
  } catch (err) {
    const e = err as { message?: unknown, code?: unknown, position?: unknown }
    return {
      error: {
        message: typeof e.message === 'string' ? e.message : String(err),
        code: typeof e.code === 'string' ? e.code : undefined,
        position: typeof e.position === 'number' ? e.position : undefined
      }
    }
  }
  indexParallelSites(expression.ast())
  install(expression)
  return { expression }
}

type Assign = (name: string | symbol, value: unknown) => void
type HookNode = { type?: unknown }

/** Hooks and the library overrides; the same for every evaluation, state comes from the binding. */
function install (expression: jsonata.Expression): void {
  const assign = expression.assign as Assign // typed for strings, but binds symbols too
  assign(ENTRY_HOOK, (node: HookNode, _input: unknown, env: jsonata.Environment) => guardOf(env).entry(node))
  assign(EXIT_HOOK, (node: HookNode, _input: unknown, env: jsonata.Environment, result: unknown) => {
    guardOf(env).exit(node, node.type, result)
  })
  expression.registerFunction('now', async function (this: jsonata.Focus, picture?: string, timezone?: string) {
    const fromMillis = await nativeFromMillis()
    return fromMillis.implementation.call(this, guardOf(this.environment).limits.clock(), picture, timezone)
  }, '<s?s?:s>')
  expression.registerFunction('millis', function (this: jsonata.Focus) {
    return guardOf(this.environment).limits.clock()
  }, '<:n>')
  // $eval compiles a string at run time: code from data (the injection path), outside the
  // compile cache and checkTemplates. Its AST would still be evaluated under the same hooks.
  expression.registerFunction('eval', () => {
    throw new GuardError(GuardCode.EVAL_DISABLED, '$eval is disabled in Qflow expressions')
  }, '<sx?:x>')
}

function guardOf (env: jsonata.Environment): EvaluationGuard {
  const guard: unknown = env.lookup(GUARD_BINDING)
  if (!(guard instanceof EvaluationGuard)) {
    throw new GuardError(GuardCode.INTERNAL, 'expression evaluated without a guard')
  }
  return guard
}

interface NativeFunction { implementation: (this: unknown, ...args: unknown[]) => unknown }
let fromMillis: Promise<NativeFunction> | undefined

/** JSONata's own `$fromMillis`, fetched once, so `$now(picture, tz)` formats exactly like JSONata. */
async function nativeFromMillis (): Promise<NativeFunction> {
  fromMillis ??= jsonata('$fromMillis').evaluate({}) as Promise<NativeFunction>
  return await fromMillis
}
