/**
 * Reading request bodies: flow documents as JSON or YAML by content-type, command bodies as
 * JSON objects checked against a zod schema. Every fault becomes a 4xx error (see errors.ts).
 */
import type { Context } from 'hono'
import type { z } from 'zod'
import { parseDocument } from '../../src/index.js'
import type { PathError } from '../../shared/errors.js'
import { InvalidRequestError, ROOT_PATH, UnsupportedMediaTypeError } from './errors.js'

/** Nesting deeper than this is refused before any recursive code sees it. */
export const MAX_BODY_DEPTH = 64

const JSON_TYPES = new Set(['application/json'])
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'])
const SNIFFED_TYPES = new Set(['', 'text/plain'])

function mediaType (c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase()
}

/** A flow document: JSON, YAML, or (no or text/plain content-type) whichever the text looks like. */
export async function readDocument (c: Context): Promise<unknown> {
  const type = mediaType(c)
  let format: 'json' | 'yaml' | undefined
  if (JSON_TYPES.has(type) || type.endsWith('+json')) format = 'json'
  else if (YAML_TYPES.has(type)) format = 'yaml'
  else if (!SNIFFED_TYPES.has(type)) throw new UnsupportedMediaTypeError(type)
  const text = await c.req.text()
  const doc = parseDocument(text, format != null ? { format } : {})
  checkDepth(doc)
  return doc
}

/** A JSON command body checked by `schema`; an empty body counts as `{}`. */
export async function readJson<T extends z.ZodType> (c: Context, schema: T): Promise<z.infer<T>> {
  const type = mediaType(c)
  if (type !== '' && !JSON_TYPES.has(type) && !type.endsWith('+json')) throw new UnsupportedMediaTypeError(type)
  const text = await c.req.text()
  const value = text.trim() === '' ? {} : parseDocument(text, { format: 'json' })
  checkDepth(value)
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new InvalidRequestError(parsed.error.issues.map(toPathError))
  return parsed.data
}

function toPathError (issue: z.core.$ZodIssue): PathError {
  let path = ''
  for (const seg of issue.path) {
    if (typeof seg === 'number') path += `[${seg}]`
    else path += path === '' ? String(seg) : `.${String(seg)}`
  }
  const keys = (issue as { keys?: string[] }).keys
  if (issue.code === 'unrecognized_keys' && keys != null) {
    return { path: keys.map(k => (path === '' ? k : `${path}.${k}`)).join(', '), message: 'unknown field' }
  }
  return { path: path === '' ? ROOT_PATH : path, message: issue.message }
}

/** Iterative, so a hostile document cannot overflow the stack here. */
export function checkDepth (value: unknown, max = MAX_BODY_DEPTH): void {
  const stack: Array<{ v: unknown, d: number }> = [{ v: value, d: 0 }]
  while (stack.length > 0) {
    const { v, d } = stack.pop()!
    if (v == null || typeof v !== 'object') continue
    if (d >= max) throw new InvalidRequestError([{ path: ROOT_PATH, message: `nested more than ${max} levels deep` }])
    for (const child of Object.values(v)) stack.push({ v: child, d: d + 1 })
  }
}
