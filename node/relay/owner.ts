/**
 * Who owns this relay: the identity its owner token is issued to. The one place that knows
 * where that identity comes from, so it can follow the runtime as node identities land.
 */
import type { NodeRuntime } from '../runtime.js'

/**
 * The runtime's node identity (`runtime.identity.id`, a did:key) when the runtime has one;
 * otherwise the engine's node id (`'local'` by default).
 */
export function ownerIdentity (runtime: NodeRuntime, fallback = 'local'): string {
  const identity = (runtime as NodeRuntime & { identity?: { id?: unknown } }).identity
  return typeof identity?.id === 'string' && identity.id !== '' ? identity.id : fallback
}
