/**
 * Turns the text of a flow file (JSON or YAML) into a plain JSON-like value, or throws a
 * `FlowSyntaxError` that locates the problem by 1-based line and column. Duplicate keys are
 * syntax errors in both formats (JSON.parse would silently keep the last one).
 */
import { LineCounter, parseDocument as parseYamlDocument, visit } from 'yaml'

export type FlowFormat = 'json' | 'yaml'

export interface FlowSyntaxErrorInit {
  line: number
  column: number
  fileName?: string
}

/** The text is not well-formed JSON or YAML. The message reads `flow.yaml:3:5: <reason>`. */
export class FlowSyntaxError extends Error {
  override name = 'FlowSyntaxError'
  readonly line: number
  readonly column: number
  readonly fileName?: string
  /** The message without its `file:line:column: ` prefix. */
  readonly reason: string

  constructor (reason: string, init: FlowSyntaxErrorInit) {
    super(`${init.fileName ?? '<input>'}:${init.line}:${init.column}: ${reason}`)
    this.reason = reason
    this.line = init.line
    this.column = init.column
    if (init.fileName != null) this.fileName = init.fileName
  }
}

export interface ParseDocumentOptions {
  fileName?: string
  /** Skips detection. */
  format?: FlowFormat
}

/** By extension (`.json`, `.yaml`, `.yml`), else JSON when the text starts with `{` or `[`. */
export function detectFormat (text: string, fileName?: string): FlowFormat {
  const ext = /\.([^./\\]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase()
  if (ext === 'json') return 'json'
  if (ext === 'yaml' || ext === 'yml') return 'yaml'
  const first = /\S/.exec(text.replace(/^\uFEFF/, ''))?.[0]
  return first === '{' || first === '[' ? 'json' : 'yaml'
}

/**
 * @example
 * parseDocument('{"a": }', { fileName: 'flow.json' }) // throws FlowSyntaxError 'flow.json:1:7: unexpected '}''
 */
export function parseDocument (text: string, options: ParseDocumentOptions = {}): unknown {
  const source = text.replace(/^\uFEFF/, '')
  const format = options.format ?? detectFormat(source, options.fileName)
  return format === 'json' ? parseJson(source, options.fileName) : parseYaml(source, options.fileName)
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumnOf (text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, Math.max(0, offset))
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1].length + 1 }
}

function parseJson (text: string, fileName?: string): unknown {
  const fault = findJsonFault(text)
  if (fault != null) throw new FlowSyntaxError(fault.reason, { ...lineColumnOf(text, fault.offset), fileName })
  try {
    return JSON.parse(text)
  } catch (err) {
    // the scanner accepted what JSON.parse rejects: still report it as a syntax error
    const message = String((err as Error).message)
    const at = Number(/at position (\d+)/.exec(message)?.[1] ?? 0)
    throw new FlowSyntaxError(message, { ...lineColumnOf(text, at), fileName })
  }
}

function parseYaml (text: string, fileName?: string): unknown {
  const lineCounter = new LineCounter()
  const located = (reason: string, offset: number): FlowSyntaxError => {
    const { line, col } = lineCounter.linePos(offset)
    return new FlowSyntaxError(reason, { line, column: col, fileName })
  }
  try {
    const doc = parseYamlDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
    const first = doc.errors[0]
    if (first != null) throw located(first.message, first.pos[0])
    let recursive: number | undefined
    visit(doc, {
      Alias (_key, node, path) {
        const target = node.resolve(doc)
        if (target != null && path.includes(target)) {
          recursive = node.range?.[0] ?? 0
          return visit.BREAK
        }
      }
    })
    if (recursive != null) throw located('an alias may not refer to a node that contains it', recursive)
    return doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    if (err instanceof FlowSyntaxError) throw err
    // e.g. "Excessive alias count": the yaml package throws instead of recording an error
    throw new FlowSyntaxError(String((err as Error)?.message ?? err), { line: 1, column: 1, fileName })
  }
}

interface JsonFault { offset: number, reason: string }

type Frame = { kind: 'object', keys: Set<string> } | { kind: 'array' }

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

function describe (char: string | undefined): string {
  if (char === undefined) return 'end of input'
  const code = char.charCodeAt(0)
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${char}'`
}

/**
 * Strict JSON (RFC 8259) scanner that finds the first fault and where it is, because V8's
 * messages do not always carry a position. Iterative, so deep nesting cannot overflow the stack.
 * A syntax error anywhere wins over a duplicate key (reported only when the text is JSON).
 */
export function findJsonFault (text: string): JsonFault | undefined {
  let duplicate: JsonFault | undefined
  const stack: Frame[] = []
  let i = 0
  let mode: 'value' | 'key' | 'after' = 'value'
  const skipWs = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const scanString = (): JsonFault | undefined => {
    const start = i++
    for (;;) {
      const c = text[i]
      if (c === undefined) return { offset: start, reason: 'unterminated string' }
      if (c === '"') { i++; return undefined }
      if (c.charCodeAt(0) < 0x20) return { offset: i, reason: `${describe(c)} in a string must be escaped` }
      if (c === '\\') {
        const e = text[i + 1]
        if (e !== undefined && ESCAPES.has(e)) i += 2
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else return { offset: i, reason: 'invalid escape sequence in string' }
      } else i++
    }
  }
  for (;;) {
    skipWs()
    const c = text[i]
    if (mode === 'value') {
      if (c === '{' || c === '[') {
        i++
        skipWs()
        if (text[i] === (c === '{' ? '}' : ']')) { i++; mode = 'after'; continue }
        stack.push(c === '{' ? { kind: 'object', keys: new Set() } : { kind: 'array' })
        mode = c === '{' ? 'key' : 'value'
        continue
      }
      if (c === '"') {
        const fault = scanString()
        if (fault != null) return fault
        mode = 'after'
        continue
      }
      NUMBER.lastIndex = i
      const number = c === '-' || (c >= '0' && c <= '9') ? NUMBER.exec(text) : null
      if (number != null) { i += number[0].length; mode = 'after'; continue }
      const literal = ['true', 'false', 'null'].find(l => text.startsWith(l, i))
      if (literal != null) { i += literal.length; mode = 'after'; continue }
      return { offset: i, reason: c === undefined ? 'unexpected end of input' : `unexpected ${describe(c)}` }
    }
    if (mode === 'key') {
      if (c !== '"') return { offset: i, reason: `expected a property name in double quotes, found ${describe(c)}` }
      const start = i
      const fault = scanString()
      if (fault != null) return fault
      const key = JSON.parse(text.slice(start, i)) as string
      const frame = stack[stack.length - 1] as { keys: Set<string> }
      if (frame.keys.has(key)) duplicate ??= { offset: start, reason: `duplicate key ${JSON.stringify(key)}` }
      frame.keys.add(key)
      skipWs()
      if (text[i] !== ':') return { offset: i, reason: `expected ':' after a property name, found ${describe(text[i])}` }
      i++
      mode = 'value'
      continue
    }
    const top = stack[stack.length - 1]
    if (top === undefined) {
      return c === undefined ? duplicate : { offset: i, reason: `unexpected ${describe(c)} after the end of the document` }
    }
    const close = top.kind === 'object' ? '}' : ']'
    if (c === ',') { i++; mode = top.kind === 'object' ? 'key' : 'value'; continue }
    if (c === close) { i++; stack.pop(); continue }
    return { offset: i, reason: `expected ',' or '${close}', found ${describe(c)}` }
  }
}
