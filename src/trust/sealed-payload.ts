/**
 * Payloads of private and dao-only flows travel sealed: the state store's Qlock envelope
 * `{ v: 1, keyId, iv, ct }` (AES-256-GCM, bytes as base64url in JSON) under a key of the
 * flow's owner (`metadata.daoSubnet ?? owner`), with additional data `qflow:payload:<target>`
 * so a sealed payload cannot be moved to another target.
 */
import type { SealedPayload } from '../../shared/trust.js'
import type { DataKey } from '../state/qlock/keyring.js'
import { fromBase64url, toBase64url } from './encoding.js'

type Bytes = Uint8Array<ArrayBuffer>
const aad = (target: string): Bytes => new TextEncoder().encode(`qflow:payload:${target}`)
const bytes = (v: string | Uint8Array): Bytes => (typeof v === 'string' ? fromBase64url(v) : v) as Bytes

export function isSealedPayload (value: unknown): value is SealedPayload {
  if (value == null || typeof value !== 'object') return false
  const p = value as Record<string, unknown>
  const bin = (v: unknown): boolean => typeof v === 'string' || v instanceof Uint8Array
  return p.v === 1 && typeof p.keyId === 'string' && bin(p.iv) && bin(p.ct) && Object.keys(p).length === 4
}

/** @example const payload = await sealPayload(await keyring.current(flow.owner), { input }, flow.id) */
export async function sealPayload (key: Pick<DataKey, 'id' | 'key'>, value: unknown, target: string): Promise<SealedPayload> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
  const plain = new TextEncoder().encode(JSON.stringify(value))
  const ct = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(target) }, key.key, plain)
  return { v: 1, keyId: key.id, iv: toBase64url(iv), ct: toBase64url(new Uint8Array(ct)) }
}

/** The JSON value inside; rejects (WebCrypto `OperationError`) when the key or target is wrong or the bytes were altered. */
export async function openPayload (key: Pick<DataKey, 'key'>, sealed: SealedPayload, target: string): Promise<unknown> {
  const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes(sealed.iv), additionalData: aad(target) }, key.key, bytes(sealed.ct))
  return JSON.parse(new TextDecoder().decode(plain))
}
