/**
 * Capability patterns. A grant's `resource` and `action` are exact strings, `prefix*`, or `*`.
 * `matches` asks whether a pattern allows a concrete value; `covers` whether one pattern
 * allows everything another allows (a delegated grant must be covered by its proof).
 */
export interface Permission {
  resource: string
  action: string
}

/** The action a bare permission string needs (`http:api.example.com` = `{ resource, action: 'use' }`). */
export const DEFAULT_ACTION = 'use'
export const EXECUTE = 'execute'

/** `resource` or `resource#action` (e.g. `flow:hello-world#execute`). */
export function parsePermission (text: string): Permission {
  const i = text.lastIndexOf('#')
  if (i <= 0 || i === text.length - 1) return { resource: text, action: DEFAULT_ACTION }
  return { resource: text.slice(0, i), action: text.slice(i + 1) }
}

export function formatPermission (p: Permission): string {
  return p.action === DEFAULT_ACTION ? p.resource : `${p.resource}#${p.action}`
}

/** True when `pattern` allows `value` (a concrete resource or action). */
export function matches (pattern: string, value: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1))
  return pattern === value
}

/** True when every value `child` allows is allowed by `parent`. */
export function covers (parent: string, child: string): boolean {
  if (parent === '*') return true
  if (parent.endsWith('*')) return child.startsWith(parent.slice(0, -1))
  return !child.endsWith('*') && parent === child
}

export function permits (grant: Permission, need: Permission): boolean {
  return matches(grant.resource, need.resource) && matches(grant.action, need.action)
}
