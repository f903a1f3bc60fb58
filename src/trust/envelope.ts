/**
 * Signed operation envelopes: `{ actor, type, target, payloadHash, nonce, timestamp,
 * signature }`. The signature is Ed25519 by `actor` over `"qflow:envelope:v1\n" ‖
 * dag-cbor(unsigned fields)`; `payloadHash` is the CIDv1 (dag-cbor, sha2-256) of the payload.
 *
 * Verification is split so a pipeline can cache the pure part: `verifyEnvelopeSignature`
 * (shape, payload, signature: depends on the bytes only) and `checkFreshness` (skew and replay:
 * depends on the clock and on what was seen). `verifyEnvelope` does both and records the nonce.
 */
import { OPERATION_TYPES } from '../../shared/trust.js'
import type { OperationType, SignedEnvelope, UnsignedEnvelope } from '../../shared/trust.js'
import { systemClock } from '../interface/clock.js'
import type { Clock } from '../interface/clock.js'
import { cidOfValue, DOMAINS, randomNonce, signingBytes, toBase64url } from './encoding.js'
import { ClockSkewError, InvalidSignatureError, MalformedError, ReplayError, TrustError } from './errors.js'
import { ErrorType } from '../../shared/errors.js'
import { isDidKey } from './identity/did-key.js'
import type { SquidIdentity } from './identity/identity.js'
import type { SignatureVerifier } from './identity/verifier.js'
import type { ReplayCache } from './replay-cache.js'

/** The clock envelopes are stamped with when the caller gives none (one, not one per signature). */
const defaultClock = systemClock()

/** Default allowed clock skew: ±5 minutes. */
export const DEFAULT_SKEW_MS = 5 * 60_000

export interface SignEnvelopeOptions {
  clock?: Pick<Clock, 'now'>
  /** Default: 16 random bytes. */
  nonce?: string
}

/** The CID naming a payload (what `payloadHash` holds). Throws on values dag-cbor cannot encode. */
export function payloadHash (payload: unknown): string {
  return cidOfValue(payload)
}

export function envelopeSigningBytes (envelope: UnsignedEnvelope): Uint8Array {
  const { actor, type, target, payloadHash, nonce, timestamp } = envelope
  return signingBytes(DOMAINS.envelope, { actor, type, target, payloadHash, nonce, timestamp })
}

/** The fields an identity signs: a fresh nonce and the clock's time unless given. */
function unsignedEnvelope (identity: SquidIdentity, type: OperationType, target: string, hash: string, options: SignEnvelopeOptions): UnsignedEnvelope {
  return { actor: identity.id, type, target, payloadHash: hash, nonce: options.nonce ?? randomNonce(), timestamp: Math.trunc((options.clock ?? defaultClock).now()) }
}

/**
 * The bytes signed for envelopes made by {@link signFrozenEnvelope}: those envelopes are frozen
 * when made, so the bytes stay theirs, and verifying one does not encode them again.
 */
const signedBytes = new WeakMap<SignedEnvelope, Uint8Array>()

/**
 * Like {@link signEnvelope}, for a payload whose CID the caller already computed (`payloadCid`,
 * what `payloadHash(payload)` gives), and the envelope comes back frozen (its signed bytes are
 * remembered with it). For the start path: `signOperation`.
 */
export async function signFrozenEnvelope (identity: SquidIdentity, what: { type: OperationType, target: string, payloadCid: string },
  options: SignEnvelopeOptions = {}): Promise<SignedEnvelope> {
  const unsigned = unsignedEnvelope(identity, what.type, what.target, what.payloadCid, options)
  const bytes = envelopeSigningBytes(unsigned)
  const envelope: SignedEnvelope = Object.freeze({ ...unsigned, signature: toBase64url(await identity.sign(bytes)) })
  signedBytes.set(envelope, bytes)
  return envelope
}

/** Actors that already passed `isDidKey` (decoding a did:key costs more than the rest of the shape check). */
const didKeys = new Set<string>()
function isKnownDidKey (actor: unknown): boolean {
  if (typeof actor === 'string' && didKeys.has(actor)) return true
  if (!isDidKey(actor)) return false
  if (didKeys.size >= 1024) didKeys.clear()
  didKeys.add(actor)
  return true
}

/**
 * @example
 * const env = await signEnvelope(alice, { type: 'flow-execution', target: 'hello-world', payload: { input: {} } })
 */
export async function signEnvelope (identity: SquidIdentity, what: { type: OperationType, target: string, payload: unknown },
  options: SignEnvelopeOptions = {}): Promise<SignedEnvelope> {
  const unsigned = unsignedEnvelope(identity, what.type, what.target, payloadHash(what.payload), options)
  return { ...unsigned, signature: toBase64url(await identity.sign(envelopeSigningBytes(unsigned))) }
}

/** Checks every field's type; `MalformedError` (`envelope_malformed`) names the first bad one. */
export function checkEnvelopeShape (value: unknown): SignedEnvelope {
  const bad = (why: string): never => { throw new MalformedError('envelope_malformed', `malformed envelope: ${why}`) }
  if (value == null || typeof value !== 'object') return bad('not an object')
  const e = value as Record<string, unknown>
  if (!isKnownDidKey(e.actor)) bad('actor is not an sQuid identity (did:key)')
  if (!(OPERATION_TYPES as readonly unknown[]).includes(e.type)) bad(`type must be one of ${OPERATION_TYPES.join(', ')}`)
  if (typeof e.target !== 'string' || e.target === '') bad('target must be a non-empty string')
  if (typeof e.payloadHash !== 'string' || !e.payloadHash.startsWith('bafy')) bad('payloadHash must be a dag-cbor CID')
  if (typeof e.nonce !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(e.nonce)) bad('nonce must be 16-64 base64url characters')
  if (!Number.isSafeInteger(e.timestamp)) bad('timestamp must be an integer (epoch ms)')
  if (typeof e.signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(e.signature)) bad('signature must be 64 bytes of base64url')
  return e as unknown as SignedEnvelope
}

/**
 * The pure checks: shape, `payload` matches `payloadHash` (when given), and the signature is
 * the actor's. Throws `MalformedError` or `InvalidSignatureError`.
 */
export async function verifyEnvelopeSignature (value: unknown, verifier: SignatureVerifier, payload?: { value: unknown } | { hash: string }): Promise<SignedEnvelope> {
  const envelope = checkEnvelopeShape(value)
  if (payload != null) {
    let hash: string
    try {
      hash = 'hash' in payload ? payload.hash : payloadHash(payload.value)
    } catch (err) {
      throw new MalformedError('payload_unencodable', `the payload cannot be encoded as dag-cbor: ${(err as Error).message}`)
    }
    if (hash !== envelope.payloadHash) {
      throw new MalformedError('payload_mismatch', `the payload does not match the signed payloadHash (${envelope.payloadHash}, got ${hash})`)
    }
  }
  if (!await verifier.verify(envelope.actor, envelope.signature, signedBytes.get(envelope) ?? envelopeSigningBytes(envelope))) {
    throw new InvalidSignatureError(`the envelope signature does not verify for ${envelope.actor}: forged, altered, or signed with another key`,
      { actor: envelope.actor })
  }
  return envelope
}

export interface FreshnessOptions {
  clock: Pick<Clock, 'now'>
  replay: ReplayCache
  /** Allowed distance between the envelope's timestamp and now (default ±5 min). */
  skewMs?: number
  /** The hash recorded with the nonce; a nonce seen with this same hash passes when `allowSame`. */
  opHash?: string
  /** Re-validating an already admitted operation: its own nonce is not a replay. */
  allowSame?: boolean
}

/** Skew and replay. Throws `ClockSkewError` or `ReplayError`; records nothing. */
export function checkFreshness (envelope: SignedEnvelope, options: FreshnessOptions): void {
  const skew = options.skewMs ?? DEFAULT_SKEW_MS
  const now = options.clock.now()
  const drift = envelope.timestamp - now
  if (Math.abs(drift) > skew) {
    throw new ClockSkewError(`timestamp ${new Date(envelope.timestamp).toISOString()} is ${Math.round(Math.abs(drift) / 1000)} s ${drift < 0 ? 'in the past' : 'in the future'}; the allowed skew is ±${Math.round(skew / 1000)} s`,
      { timestamp: envelope.timestamp, now, skewMs: skew })
  }
  const seen = options.replay.lookup(envelope.actor, envelope.nonce)
  if (seen != null && !(options.allowSame === true && seen === (options.opHash ?? envelope.signature))) {
    throw new ReplayError(`nonce ${envelope.nonce} of ${envelope.actor} was already used: the operation is a replay`, { nonce: envelope.nonce })
  }
}

/** Remembers the envelope's nonce until it can no longer pass the skew check. */
export function recordNonce (envelope: SignedEnvelope, options: Pick<FreshnessOptions, 'replay' | 'skewMs' | 'opHash'> & { expiresAt?: number }): void {
  const expiresAt = Math.max(options.expiresAt ?? 0, envelope.timestamp + (options.skewMs ?? DEFAULT_SKEW_MS) + 1)
  if (!options.replay.add(envelope.actor, envelope.nonce, options.opHash ?? envelope.signature, expiresAt)) {
    throw new TrustError(ErrorType.RESOURCE_EXHAUSTED, 'replay_cache_full', 'too many operations within the skew window: the replay cache is full, try again later', {}, { retryable: true })
  }
}

export interface VerifyEnvelopeOptions extends FreshnessOptions {
  verifier: SignatureVerifier
  /** When given, must match `payloadHash`. */
  payload?: { value: unknown }
}

/** Every check, then the nonce is recorded: a second call with the same envelope is a `ReplayError`. */
export async function verifyEnvelope (value: unknown, options: VerifyEnvelopeOptions): Promise<SignedEnvelope> {
  const envelope = checkEnvelopeShape(value)
  checkFreshness(envelope, options)
  await verifyEnvelopeSignature(envelope, options.verifier, options.payload)
  // checked again: another call may have recorded the nonce while the signature was being verified
  checkFreshness(envelope, options)
  recordNonce(envelope, options)
  return envelope
}
