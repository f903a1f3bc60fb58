import { childPath, isPlainObject, setOwn } from './data.js'
import { ExpressionError } from './errors.js'
import { evaluateWithin, runLimits, toExpressionError } from './evaluate.js'
import type { RunLimits } from './guard.js'
import type { ExpressionOptions, ExpressionScope } from './index.js'
import { parseTemplate, TemplateSyntaxError } from './template.js'
import type { Template } from './template.js'

/**
 * True when any string anywhere in `value` contains `${` (escapes included). Walks arrays
 * and plain objects only and allocates nothing: a string test per leaf, no key arrays.
 *
 * @example
 * ```ts
 * hasExpression({ url: 'https://x', body: ['${input.id}'] }) // true
 * ```
 */
export function hasExpression (value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${')
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (hasExpression(value[i])) return true
    }
    return false
  }
  if (!isPlainObject(value)) return false
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasExpression(value[key])) return true
  }
  return false
}

/**
 * Resolves every template in `value`. Returns `value` itself (same reference) when it holds
 * no `${`; otherwise a deep copy of its arrays and plain objects with each template string
 * replaced. All templates of one call share one deadline (`timeoutMs`) and one `$now()`.
 * Rejects with ExpressionError naming the path of the failing string.
 *
 * @example
 * ```ts
 * await resolveValue(step.params, scope, { timeoutMs: 50 }, 'steps[2].params')
 * ```
 */
export function resolveValue (value: unknown, scope: ExpressionScope, options?: ExpressionOptions, path = ''): Promise<unknown> {
  // not `async`: the common template-free case costs one resolved promise and nothing else
  if (!hasExpression(value)) return Promise.resolve(value)
  return resolveWithin(value, scope, runLimits(options), path)
}

async function resolveWithin (value: unknown, scope: ExpressionScope, limits: RunLimits, path: string): Promise<unknown> {
  if (typeof value === 'string') return await resolveString(value, scope, limits, path)
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      out[i] = hasExpression(item) ? await resolveWithin(item, scope, limits, childPath(path, i)) : copy(item)
    }
    return out
  }
  const source = value as Record<string, unknown> // hasExpression was true: a plain object
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(source)) {
    const item = source[key]
    setOwn(out, key, hasExpression(item) ? await resolveWithin(item, scope, limits, childPath(path, key)) : copy(item))
  }
  return out
}

async function resolveString (text: string, scope: ExpressionScope, limits: RunLimits, path: string): Promise<unknown> {
  let template: Template
  try {
    template = parseTemplate(text)
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new ExpressionError(path, err.expression, err.message)
    throw err
  }
  const { parts } = template
  if (template.exact) return await evaluateWithin((parts[0] as { source: string }).source, scope, limits, path)
  let out = ''
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part
      continue
    }
    const value = await evaluateWithin(part.source, scope, limits, path)
    try {
      out += typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)
    } catch (err) { // a BigInt or a cycle in scope data
      throw toExpressionError(err, path, part.source)
    }
  }
  return out
}

/** Deep copy of template-free plain data; other leaves are kept by reference. */
function copy (value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(copy)
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, key, copy(value[key]))
  return out
}
