import { LruCache } from './lru.js'

/** One `${…}` inside a string; `source` is the JSONata text between the braces. */
export interface TemplateExpression {
  readonly source: string
}

/** Literal text (escapes already applied) or an expression. */
export type TemplatePart = string | TemplateExpression

/**
 * A string split into parts. `exact` means the whole string is one `${…}`, so the
 * expression's value is used as is instead of being interpolated as text.
 */
export interface Template {
  readonly parts: readonly TemplatePart[]
  readonly exact: boolean
}

/** A template whose `${…}` cannot be delimited (unterminated or empty). */
export class TemplateSyntaxError extends Error {
  readonly expression: string
  constructor (expression: string, reason: string) {
    super(reason)
    this.name = 'TemplateSyntaxError'
    this.expression = expression
  }
}

const OPEN = '${'
const templates = new LruCache<string, Template>(1000)

/**
 * Splits `text` into literal and expression parts; `$${` is an escape for a literal `${`.
 * Results are cached by text. Throws TemplateSyntaxError on an unterminated or empty `${}`.
 */
export function parseTemplate (text: string): Template {
  let template = templates.get(text)
  if (template === undefined) {
    template = scanTemplate(text)
    templates.set(text, template)
  }
  return template
}

function scanTemplate (text: string): Template {
  const parts: TemplatePart[] = []
  let literal = ''
  let index = 0
  while (index < text.length) {
    const at = text.indexOf(OPEN, index)
    if (at === -1) break
    if (at > index && text.charCodeAt(at - 1) === 36 /* $ */) {
      literal += text.slice(index, at - 1) + OPEN
      index = at + 2
      continue
    }
    const end = findClose(text, at + 2)
    if (end === -1) throw new TemplateSyntaxError(text.slice(at + 2), 'unterminated expression: no matching "}"')
    const source = text.slice(at + 2, end)
    if (source.trim() === '') throw new TemplateSyntaxError(source, 'empty expression')
    literal += text.slice(index, at)
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push({ source })
    index = end + 1
  }
  literal += text.slice(index)
  if (literal !== '') parts.push(literal)
  return { parts, exact: parts.length === 1 && typeof parts[0] !== 'string' }
}

/** Characters after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set(['', '(', '[', '{', ',', ':', ';', '?', '=', '!', '<', '>', '+', '-', '%', '&', '|', '~', '^'])

/**
 * Index of the `}` closing an expression that starts at `start`, or -1. Follows JSONata's
 * lexical rules so braces inside strings, `name` literals, comments and regexes don't count.
 */
export function findClose (text: string, start: number): number {
  let depth = 0
  let previous = '' // last significant character, to tell a regex from a division
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (c === '"' || c === "'") {
      i = skipQuoted(text, i, c)
    } else if (c === '`') {
      i = text.indexOf('`', i + 1)
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2)
      if (i !== -1) i++
      if (i === -1) return -1
      continue
    } else if (c === '/' && BEFORE_REGEX.has(previous)) {
      const end = skipRegex(text, i)
      if (end !== -1) i = end // no closing slash: JSONata will report it, keep scanning as text
    } else if (c === '{') {
      depth++
    } else if (c === '}') {
      if (depth === 0) return i
      depth--
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      continue
    }
    if (i === -1) return -1
    previous = c
  }
  return -1
}

function skipQuoted (text: string, open: number, quote: string): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') i++
    else if (c === quote) return i
  }
  return -1
}

/** Mirrors JSONata's regex scanner: brackets nest, the closing `/` is unescaped at depth 0. */
function skipRegex (text: string, open: number): number {
  let depth = 0
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') {
      i++
    } else if (c === '(' || c === '[' || c === '{') {
      depth++
    } else if (c === ')' || c === ']' || c === '}') {
      depth--
    } else if (c === '/' && depth === 0) {
      while (i + 1 < text.length && /[a-z]/.test(text[i + 1])) i++ // flags
      return i
    }
  }
  return -1
}
