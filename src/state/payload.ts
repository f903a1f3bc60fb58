/**
 * Payloads inside envelopes are UTF-8 JSON: the same value semantics as the API and the wire
 * (undefined fields drop, key order is kept), and fast to produce.
 */
import type { StoreContext } from './context.js'
import { IntegrityError } from './errors.js'
import type { RecordKind, RecordRef } from './errors.js'
import { recordAad, seal, unseal } from './qlock/envelope.js'
import type { Envelope } from './qlock/envelope.js'
import type { DataKey } from './qlock/keyring.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function jsonBytes (value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) ?? 'null')
}

export async function sealJson (key: DataKey, value: unknown, kind: RecordKind, id: string): Promise<Envelope> {
  return seal(key, jsonBytes(value), recordAad(kind, id))
}

export async function sealBytes (key: DataKey, bytes: Uint8Array, kind: RecordKind, id: string): Promise<Envelope> {
  return seal(key, bytes, recordAad(kind, id))
}

/** Opens an envelope of record `ref` (whose `id` is the AAD owner) and parses its JSON. */
export async function openJson<T> (ctx: Pick<StoreContext, 'lookup'>, env: Envelope, ref: RecordRef & { id: string }): Promise<T> {
  return (await openJsonText<T>(ctx, env, ref)).value
}

/** `openJson`, also handing back the plaintext and its JSON text (to index large values by content). */
export async function openJsonText<T> (ctx: Pick<StoreContext, 'lookup'>, env: Envelope, ref: RecordRef & { id: string }): Promise<{ value: T, bytes: Uint8Array, text: string }> {
  const bytes = await unseal(ctx.lookup, env, recordAad(ref.kind, ref.id), ref)
  try {
    const text = decoder.decode(bytes)
    return { value: JSON.parse(text) as T, bytes, text }
  } catch {
    throw new IntegrityError(ref, 'decrypted payload is not JSON')
  }
}
