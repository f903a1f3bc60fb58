/**
 * The two signed gossip records of per-subnet events (shapes in shared/network.ts):
 * - `MonitoringBatch` (`"qflow:exec-events:v1\n" ‖ dag-cbor`): a coordinator's compact
 *   execution events, ids / status / step ids / timestamps / error type only;
 * - `ExternalEvent` (`"qflow:external-event:v1\n" ‖ dag-cbor`): an event that triggers flows.
 * Like announcements, `identity` (did:key) must name the key of `nodeId`, so a node only speaks
 * for itself. Decoders throw `TypeError` naming the bad field or the failed check.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { MONITORING_EVENT_KINDS } from '../../shared/network.js'
import type { ExternalEvent, MonitoringBatch, MonitoringEvent } from '../../shared/network.js'
import { compact, peerIdFromPublicKey, publicKeyFromDidKey, toBase64url } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { domainBytes } from './domain-bytes.js'

const BATCH_DOMAIN = 'qflow:exec-events:v1'
const EXTERNAL_DOMAIN = 'qflow:external-event:v1'
const KINDS: ReadonlySet<string> = new Set(MONITORING_EVENT_KINDS)
/** Longest id / name accepted in a record (event names, ids, step ids). */
const MAX_ID = 256

export type UnsignedBatch = Pick<MonitoringBatch, 'subnet' | 'ts' | 'seq' | 'events' | 'dropped'>
export type UnsignedExternalEvent = Pick<ExternalEvent, 'id' | 'event' | 'payload' | 'subnet' | 'at'>

export async function signBatch (identity: SquidIdentity, fields: UnsignedBatch): Promise<MonitoringBatch> {
  const unsigned = compact({ v: 1 as const, nodeId: identity.peerId, identity: identity.id, ...fields })
  return { ...unsigned, signature: toBase64url(await identity.sign(domainBytes(BATCH_DOMAIN, unsigned))) }
}

export async function signExternalEvent (identity: SquidIdentity, fields: UnsignedExternalEvent): Promise<ExternalEvent> {
  const unsigned = { v: 1 as const, nodeId: identity.peerId, identity: identity.id, ...fields, payload: fields.payload ?? null }
  return { ...unsigned, signature: toBase64url(await identity.sign(domainBytes(EXTERNAL_DOMAIN, unsigned))) }
}

export const encodeEventRecord = (record: MonitoringBatch | ExternalEvent): Uint8Array => dagCbor.encode(record)

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

function decodeRecord (bytes: Uint8Array, what: string): Record<string, any> {
  let r: any
  try { r = dagCbor.decode(bytes) } catch (err) { throw new TypeError(`${what}: not dag-cbor (${(err as Error).message})`) }
  if (r == null || typeof r !== 'object' || Array.isArray(r) || r.v !== 1) throw new TypeError(`${what}.v: must be 1`)
  for (const f of ['nodeId', 'identity', 'signature', 'subnet'] as const) if (!isId(r[f])) throw new TypeError(`${what}.${f}: must be a non-empty string`)
  let peerId: string
  try { peerId = peerIdFromPublicKey(publicKeyFromDidKey(r.identity)) } catch { throw new TypeError(`${what}.identity: not an Ed25519 did:key`) }
  if (peerId !== r.nodeId) throw new TypeError(`${what}.nodeId: is not the peer id of ${what}.identity`)
  return r
}

async function verify (r: Record<string, any>, domain: string, what: string, verifier: SignatureVerifier): Promise<void> {
  const { signature, ...unsigned } = r
  if (!await verifier.verify(r.identity, signature, domainBytes(domain, unsigned))) throw new TypeError(`${what}.signature: does not verify`)
}

function checkEvent (e: any, path: string): MonitoringEvent {
  if (e == null || typeof e !== 'object' || Array.isArray(e)) throw new TypeError(`${path}: must be an object`)
  if (!KINDS.has(e.kind)) throw new TypeError(`${path}.kind: must be one of ${MONITORING_EVENT_KINDS.join(', ')}`)
  for (const f of ['executionId', 'flowId'] as const) if (!isId(e[f])) throw new TypeError(`${path}.${f}: must be a non-empty string`)
  if (!isTime(e.at)) throw new TypeError(`${path}.at: must be an integer (epoch ms)`)
  for (const f of ['stepId', 'nodeId', 'errorType'] as const) if (e[f] != null && !isId(e[f])) throw new TypeError(`${path}.${f}: must be a non-empty string`)
  if (e.attempt != null && !(Number.isSafeInteger(e.attempt) && e.attempt >= 0)) throw new TypeError(`${path}.attempt: must be a non-negative integer`)
  if (String(e.kind).startsWith('step.') && e.stepId == null) throw new TypeError(`${path}.stepId: required for ${e.kind}`)
  const extra = Object.keys(e).filter(k => !['kind', 'executionId', 'flowId', 'at', 'stepId', 'attempt', 'nodeId', 'errorType'].includes(k))
  // a field beyond the compact set may carry data the subnet must not see: refuse the batch
  if (extra.length > 0) throw new TypeError(`${path}.${extra[0]}: not a monitoring field`)
  return e as MonitoringEvent
}

/** Decodes and verifies a monitoring batch (at most `maxEvents` events). */
export async function decodeBatch (bytes: Uint8Array, verifier: SignatureVerifier, maxEvents = 1024): Promise<MonitoringBatch> {
  const r = decodeRecord(bytes, 'batch')
  if (!isTime(r.ts)) throw new TypeError('batch.ts: must be an integer (epoch ms)')
  if (!Number.isSafeInteger(r.seq) || r.seq < 0) throw new TypeError('batch.seq: must be a non-negative integer')
  if (r.dropped != null && !(Number.isSafeInteger(r.dropped) && r.dropped >= 0)) throw new TypeError('batch.dropped: must be a non-negative integer')
  if (!Array.isArray(r.events) || r.events.length > maxEvents) throw new TypeError(`batch.events: must be a list of at most ${maxEvents} events`)
  r.events.forEach((e: unknown, i: number) => checkEvent(e, `batch.events[${i}]`))
  await verify(r, BATCH_DOMAIN, 'batch', verifier)
  return r as MonitoringBatch
}

/** Decodes and verifies an external event. */
export async function decodeExternalEvent (bytes: Uint8Array, verifier: SignatureVerifier): Promise<ExternalEvent> {
  const r = decodeRecord(bytes, 'externalEvent')
  for (const f of ['id', 'event'] as const) if (!isId(r[f])) throw new TypeError(`externalEvent.${f}: must be a string of 1-${MAX_ID} characters`)
  if (!isTime(r.at)) throw new TypeError('externalEvent.at: must be an integer (epoch ms)')
  if (!('payload' in r)) throw new TypeError('externalEvent.payload: missing (null for none)')
  await verify(r, EXTERNAL_DOMAIN, 'externalEvent', verifier)
  return r as ExternalEvent
}
