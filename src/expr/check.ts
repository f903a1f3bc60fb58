import type { PathError } from '../../shared/errors.js'
import { compile } from './compile.js'
import { childPath, isPlainObject } from './data.js'
import { parseTemplate, TemplateSyntaxError } from './template.js'

/**
 * Syntax-checks every `${…}` in `value` (unterminated, empty, JSONata parse errors) for the
 * flow validator; evaluates nothing. Compiling fills the expression cache, so a validated
 * flow's first run parses nothing.
 *
 * @example
 * ```ts
 * checkTemplates({ message: '${input.x +}' }, 'steps[2].params')
 * // → [{ path: 'steps[2].params.message', message: '${input.x +}: Unexpected end of expression' }]
 * ```
 */
export function checkTemplates (value: unknown, path: string): PathError[] {
  const errors: PathError[] = []
  collect(value, path, errors)
  return errors
}

function collect (value: unknown, path: string, errors: PathError[]): void {
  if (typeof value === 'string') {
    if (value.includes('${')) checkString(value, path, errors)
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collect(value[i], childPath(path, i), errors)
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) collect(value[key], childPath(path, key), errors)
  }
}

function checkString (text: string, path: string, errors: PathError[]): void {
  try {
    for (const part of parseTemplate(text).parts) {
      if (typeof part === 'string') continue
      const { error } = compile(part.source)
      if (error !== undefined) errors.push({ path, message: `\${${part.source}}: ${error.message}` })
    }
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err
    errors.push({ path, message: `\${${err.expression}}: ${err.message}` })
  }
}

/**
 * Syntax-checks a raw JSONata expression (a condition's `expression`, an event `filter`);
 * evaluates nothing.
 */
export function checkExpression (source: string, path: string): PathError[] {
  if (source.trim() === '') return [{ path, message: 'must not be empty' }]
  const { error } = compile(source)
  return error === undefined ? [] : [{ path, message: `${source}: ${error.message}` }]
}
