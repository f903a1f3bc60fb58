/**
 * Fills in the fields a local flow file may omit (`DEFAULTABLE_FIELDS`) and reports each one,
 * so the CLI can say what it assumed. Pure: the input is never mutated.
 */
import { DEFAULTABLE_FIELDS } from '../../shared/flow.js'

export type DefaultableField = typeof DEFAULTABLE_FIELDS[number]

export interface AppliedDefault {
  field: DefaultableField
  value: string
}

export interface ApplyDefaultsOptions {
  /** ISO 8601 time used for `createdAt` and `updatedAt` (injected: the core never reads the clock). */
  now: string
  /** The id defaults to the slug of its base name without extension. */
  fileName?: string
}

export const DEFAULT_VERSION = '1.0.0'
export const DEFAULT_OWNER = 'local'

/**
 * @example
 * applyDefaults({ name: 'Hello' }, { now: '2025-01-01T00:00:00.000Z', fileName: 'flows/hello-world.yaml' })
 * // { doc: { name: 'Hello', id: 'hello-world', version: '1.0.0', owner: 'local', createdAt: ..., updatedAt: ... },
 * //   defaults: [{ field: 'id', value: 'hello-world' }, ...] }
 */
export function applyDefaults (doc: unknown, options: ApplyDefaultsOptions): { doc: unknown, defaults: AppliedDefault[] } {
  if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) return { doc, defaults: [] }
  const source = doc as Record<string, unknown>
  const out: Record<string, unknown> = { ...source }
  const defaults: AppliedDefault[] = []
  const values: Record<DefaultableField, string | undefined> = {
    id: defaultId(source, options.fileName),
    version: DEFAULT_VERSION,
    owner: DEFAULT_OWNER,
    createdAt: options.now,
    updatedAt: options.now
  }
  for (const field of DEFAULTABLE_FIELDS) {
    const value = values[field]
    if (source[field] !== undefined || value === undefined) continue
    out[field] = value
    defaults.push({ field, value })
  }
  return { doc: out, defaults }
}

function defaultId (doc: Record<string, unknown>, fileName?: string): string | undefined {
  const base = fileName?.split(/[/\\]/).pop()?.replace(/\.[^.]*$/, '')
  const fromFile = base != null ? slugify(base) : ''
  if (fromFile !== '') return fromFile
  const fromName = typeof doc.name === 'string' ? slugify(doc.name) : ''
  return fromName !== '' ? fromName : undefined
}

/** `'Héllo World.v2'` → `'hello-world-v2'`; at most 64 characters. */
export function slugify (text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').slice(0, 64).replace(/^-+|-+$/g, '')
}
