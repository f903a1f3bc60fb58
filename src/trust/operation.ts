/**
 * Signed operations (the seed's `Operation` plus the actor's envelope) and their hash.
 *
 * The operation hash keys the pipeline's result cache. An operation is immutable once
 * validated: `operationDigest` freezes its plain objects and arrays and remembers the digest
 * per object, so re-validating the same object costs a WeakMap lookup. (Typed arrays cannot
 * be frozen: do not mutate the bytes of a sealed payload after validating it.) `signOperation`
 * encodes the payload once: a payload of plain data is frozen there and its CID remembered
 * for the digest, and the envelope comes back frozen with its signed bytes.
 */
import type { Operation, OperationContext, OperationType } from '../../shared/trust.js'
import type { Clock } from '../interface/clock.js'
import { cidOfEncoded, encodeCanonical, randomNonce, sha256Bytes, toBase64url } from './encoding.js'
import { signFrozenEnvelope } from './envelope.js'
import type { SquidIdentity } from './identity/identity.js'

export interface OperationFields {
  operationId?: string
  type: OperationType
  target: string
  payload: unknown
  context?: OperationContext
}

/**
 * @example
 * const op = await signOperation(alice, { type: 'flow-execution', target: 'hello-world', payload: { input: { name: 'Ada' } } })
 */
export async function signOperation (identity: SquidIdentity, fields: OperationFields, options: { clock?: Pick<Clock, 'now'>, nonce?: string } = {}): Promise<Operation> {
  // the payload is encoded and hashed once, for the envelope and for the pipeline's digest
  const bytes = encodeCanonical(fields.payload)
  const payloadCid = cidOfEncoded(bytes)
  if (freezePlain(fields.payload)) payloadDigests.set(fields.payload as object, { payloadCid, payloadSize: bytes.length })
  const envelope = await signFrozenEnvelope(identity, { type: fields.type, target: fields.target, payloadCid }, options)
  return {
    operationId: fields.operationId ?? `op-${randomNonce()}`,
    type: fields.type,
    actor: identity.id,
    target: fields.target,
    payload: fields.payload,
    context: fields.context ?? {},
    envelope
  }
}

/** What the pipeline needs to know of an operation's bytes, computed once per operation object. */
export interface OperationDigest {
  /** Cache key: sha2-256 (base64url) over every field, the payload by its CID. */
  hash: string
  /** CIDv1 of the payload's dag-cbor (what `envelope.payloadHash` must be). */
  payloadCid: string
  /** Bytes of the payload's dag-cbor. */
  payloadSize: number
}

const memo = new WeakMap<object, OperationDigest>()
/** Payloads `signOperation` encoded and froze: their CID and size, known without encoding them again. */
const payloadDigests = new WeakMap<object, Omit<OperationDigest, 'hash'>>()
const encoder = new TextEncoder()

/**
 * Deep-freezes a payload made only of plain objects, arrays and primitives, and says whether it
 * did: a primitive, bytes (typed arrays cannot be frozen) or any other class leave the payload
 * as it is, and its digest is not remembered.
 */
function freezePlain (value: unknown): boolean {
  if (value == null || typeof value !== 'object') return false
  const objects: object[] = []
  const collect = (v: unknown): boolean => {
    if (v == null || typeof v !== 'object') return true
    const proto = Object.getPrototypeOf(v)
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false
    objects.push(v)
    for (const child of Object.values(v)) if (!collect(child)) return false
    return true
  }
  if (!collect(value)) return false
  for (const o of objects) Object.freeze(o)
  return true
}

function deepFreeze (value: unknown): void {
  if (value == null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const v of Object.values(value)) deepFreeze(v)
}

/** Rejects values whose JSON could stand for different data (class instances, functions, bytes, non-finite numbers). */
function plain (_key: string, value: unknown): unknown {
  if (value == null || typeof value === 'string' || typeof value === 'boolean' || Array.isArray(value)) return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number in the operation context or envelope')
    return value
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return value
  throw new TypeError(`a ${typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value} in the operation context or envelope`)
}

/**
 * The operation's digest, memoised per (then frozen) object. The payload is hashed as
 * dag-cbor (its CID); the other fields, which are plain strings, numbers and objects, as JSON
 * in a fixed order (several times faster than dag-cbor here, and unambiguous for plain data:
 * anything else is refused). Throws `TypeError` for values neither encoding accepts.
 */
export function operationDigest (operation: Operation): OperationDigest {
  const known = memo.get(operation)
  if (known != null) return known
  const payload = operation.payload
  const signed = payload != null && typeof payload === 'object' ? payloadDigests.get(payload) : undefined
  let payloadCid: string
  let payloadSize: number
  if (signed != null) {
    ({ payloadCid, payloadSize } = signed)
  } else {
    const bytes = encodeCanonical(payload)
    payloadCid = cidOfEncoded(bytes)
    payloadSize = bytes.length
  }
  const { operationId, type, actor, target, context, envelope } = operation
  const json = JSON.stringify(['qflow:operation:v1', operationId, type, actor, target, payloadCid, context ?? {}, envelope], plain)
  const digest = { hash: toBase64url(sha256Bytes(encoder.encode(json))), payloadCid, payloadSize }
  deepFreeze(operation)
  memo.set(operation, digest)
  return digest
}

/** The cache key of an operation (see {@link operationDigest}). */
export function operationHash (operation: Operation): string {
  return operationDigest(operation).hash
}
