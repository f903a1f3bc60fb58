/**
 * Canonical bytes for signing and hashing. dag-cbor is deterministic (map keys sorted,
 * shortest integer forms, no undefined), so a value has exactly one encoding; a signature
 * covers `"<domain>\n" ‖ dag-cbor(unsigned fields)`, the domain keeping an envelope's
 * signature from passing as a grant's. Hashes are sha2-256, synchronous in every runtime
 * (`src/util/sha256.ts`: @noble/hashes by default, node:crypto once the Node platform installed it).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { base32 } from 'multiformats/bases/base32'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '../util/sha256.js'

export const SHA2_256 = 0x12
export const DAG_CBOR = 0x71

export const DOMAINS = {
  envelope: 'qflow:envelope:v1',
  grant: 'qflow:grant:v1',
  revocation: 'qflow:revocation:v1',
  policy: 'qflow:dao-policy:v1',
  vote: 'qflow:dao-vote:v1',
  audit: 'qflow:audit:v1'
} as const
export type SigningDomain = typeof DOMAINS[keyof typeof DOMAINS]

const encoder = new TextEncoder()
const prefixes = new Map<string, Uint8Array>()

export function toBase64url (bytes: Uint8Array): string {
  return base64url.baseEncode(bytes)
}

/** Throws `TypeError` on anything that is not unpadded base64url. */
export function fromBase64url (text: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url')
  return base64url.baseDecode(text)
}

/** The same object without its `undefined` fields (dag-cbor refuses them). */
export function compact<T extends object> (value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}

export function encodeCanonical (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/** What a signer signs: the domain line, then the dag-cbor of the unsigned fields. */
export function signingBytes (domain: SigningDomain, unsigned: object): Uint8Array {
  let prefix = prefixes.get(domain)
  if (prefix == null) { prefix = encoder.encode(domain + '\n'); prefixes.set(domain, prefix) }
  const body = dagCbor.encode(compact(unsigned))
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix, 0)
  out.set(body, prefix.length)
  return out
}

export function sha256Bytes (bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

/** The bytes of a CIDv1 (dag-cbor, sha2-256) before its digest: version, codec, hash code, digest length. */
const CID_PREFIX = CID.createV1(DAG_CBOR, createDigest(SHA2_256, new Uint8Array(32))).bytes.subarray(0, 4)

/**
 * CIDv1 (dag-cbor, sha2-256) of already-encoded bytes, base32 (`bafyrei…`): the string
 * `CID.createV1(...).toString()` gives, written straight from the prefix and the digest
 * (no CID object: this names every operation, payload and audit entry).
 */
export function cidOfEncoded (bytes: Uint8Array): string {
  const cid = new Uint8Array(CID_PREFIX.length + 32)
  cid.set(CID_PREFIX, 0)
  cid.set(sha256(bytes), CID_PREFIX.length)
  return base32.encode(cid)
}

/** CIDv1 of a value's dag-cbor encoding: how payloads, grants and policies are named. */
export function cidOfValue (value: unknown): string {
  return cidOfEncoded(dagCbor.encode(value))
}

/** Random bytes drawn from the CSPRNG 4 KiB at a time (one `getRandomValues` call per 256 nonces, not per nonce). */
let entropy = new Uint8Array(0)
let taken = 0

/** 16 random bytes (from the platform CSPRNG), base64url. */
export function randomNonce (): string {
  if (taken + 16 > entropy.length) {
    entropy = globalThis.crypto.getRandomValues(new Uint8Array(4096))
    taken = 0
  }
  const bytes = entropy.subarray(taken, taken + 16)
  taken += 16
  const nonce = toBase64url(bytes)
  // a nonce's bytes are used once: drop them from the buffer
  bytes.fill(0)
  return nonce
}
