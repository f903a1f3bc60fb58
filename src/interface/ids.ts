/**
 * Ids enter the engine only through an IdSource (Temporal-style determinism).
 *
 * @example
 * const ids = sequentialIds('t')
 * ids.next('exec') // 't-exec-1'
 */
export type IdKind = 'exec' | 'cp' | 'timer'

export interface IdSource {
  next(kind: IdKind): string
}

/** Random ids (UUID v4 from WebCrypto, present in Node 20 and every current browser). */
export function randomIds (): IdSource {
  return { next: (kind) => `${kind}-${globalThis.crypto.randomUUID()}` }
}

/** Predictable ids for tests and replays. */
export function sequentialIds (prefix = 'id'): IdSource {
  let n = 0
  return { next: (kind) => `${prefix}-${kind}-${++n}` }
}
