/** Helpers for walking and copying JSON-like data without touching prototypes. */

/** Arrays and objects whose prototype is Object.prototype or null are walked; anything else is a leaf. */
export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Sets an own data property, even for the key `__proto__` (plain assignment would swap the prototype). */
export function setOwn (target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[key] = value
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** `steps[2].params` + `message` → `steps[2].params.message`; `+ 0` → `…[0]`; odd keys are quoted. */
export function childPath (path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`
  return `${path}[${JSON.stringify(key)}]`
}

/** Thrown by toData for a value that is not data (a function or a JSONata lambda). */
export class NotDataError extends Error {
  constructor () {
    super('the expression returned a function, not a value')
    this.name = 'NotDataError'
  }
}

/**
 * Copies an expression result into fresh plain arrays and objects: JSONata sequences become
 * arrays, null-prototype objects become ordinary ones, and the result no longer aliases the
 * scope. Leaves that are not plain (Date, Uint8Array) are kept by reference.
 */
export function toData (value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') throw new NotDataError()
    return value
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) out[i] = toData(value[i])
    return out
  }
  if (!isPlainObject(value)) return value
  if (value._jsonata_lambda === true || value._jsonata_function === true) throw new NotDataError()
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) setOwn(out, key, toData(value[key]))
  return out
}
