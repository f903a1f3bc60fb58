/**
 * The mutable pointers: one record per execution (log head, event count, summary, owner,
 * recent snapshots) and one pointer per flow (latest version). Records are UTF-8 JSON in the
 * datastore, links in dag-json form `{ "/": "<CID>" }` (one record is written per execution
 * per batch: JSON costs a tenth of dag-cbor here); `rev` grows with every write so that, should a crash leave a record both in the
 * active and the terminal set, the newer one wins (see `loadExec`).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import type { Datastore } from 'interface-datastore'
import type { ExecutionStatus } from '../../shared/execution.js'
import { EXECUTION_STATUSES } from '../../shared/execution.js'
import type { ExecutionSummary } from '../interface/state-store.js'
import { getOptional } from './datastore-io.js'
import { IntegrityError } from './errors.js'
import { execKey, flowKey } from './keys.js'

export interface ExecRecord {
  id: string
  flowId: string
  status: ExecutionStatus
  /** updatedAt: the `at` of the last event appended. */
  at: number
  /** Events in the log. */
  n: number
  head: CID | null
  /** Loadable snapshots, oldest first: [checkpointId, snapshot block]. */
  snaps: Array<[string, CID]>
  owner: string
  rev: number
}

/** A record and the locations it is stored under (two only after a crash mid-move). */
export interface StoredExec { rec: ExecRecord, locs: Array<'a' | 't'> }

export interface FlowPointer { id: string, head: CID, n: number, owner: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** JSON; CIDs serialise themselves as `{ "/": "<CID>" }` (`CID.toJSON`). */
export function encodeRecord (value: ExecRecord | FlowPointer): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

/** JSON; or dag-cbor, the format of records written before (a map's first byte is 0xa0-0xbf, never `{`). */
function parseRecord (bytes: Uint8Array): any {
  try {
    return bytes[0] === 0x7b ? JSON.parse(decoder.decode(bytes)) : dagCbor.decode(bytes)
  } catch {
    return undefined
  }
}

/** A link in dag-json form (or a CID object, from a dag-cbor journal entry or export manifest). */
function parseLink (value: unknown): CID | undefined {
  const cid = CID.asCID(value)
  if (cid != null) return cid
  const text = (value as { '/'?: unknown } | null)?.['/']
  if (typeof text !== 'string') return undefined
  try {
    return CID.parse(text)
  } catch {
    return undefined
  }
}

export function decodeExec (bytes: Uint8Array, id?: string): ExecRecord {
  const rec = parseRecord(bytes)
  if (rec == null) throw new IntegrityError({ kind: 'execution', id }, 'record is neither JSON nor dag-cbor')
  const ok = typeof rec === 'object' && typeof rec.id === 'string' && typeof rec.flowId === 'string' &&
    (EXECUTION_STATUSES as readonly string[]).includes(rec.status) && typeof rec.n === 'number' &&
    typeof rec.rev === 'number' && typeof rec.at === 'number' && typeof rec.owner === 'string' && Array.isArray(rec.snaps)
  if (!ok || (id != null && rec.id !== id)) throw new IntegrityError({ kind: 'execution', id }, 'malformed execution record')
  const head = rec.head === null ? null : parseLink(rec.head)
  const snaps: Array<[string, CID]> = []
  for (const entry of rec.snaps) {
    const cid = Array.isArray(entry) && typeof entry[0] === 'string' ? parseLink(entry[1]) : undefined
    if (cid == null) throw new IntegrityError({ kind: 'execution', id }, 'malformed snapshot link in execution record')
    snaps.push([entry[0], cid])
  }
  if (head === undefined) throw new IntegrityError({ kind: 'execution', id }, 'malformed log head in execution record')
  return { id: rec.id, flowId: rec.flowId, status: rec.status, at: rec.at, n: rec.n, head, snaps, owner: rec.owner, rev: rec.rev }
}

export function decodeFlowPointer (bytes: Uint8Array, id?: string): FlowPointer {
  const ptr = parseRecord(bytes)
  const head = ptr == null ? undefined : parseLink(ptr.head)
  if (ptr == null || typeof ptr.id !== 'string' || head == null || typeof ptr.n !== 'number' || typeof ptr.owner !== 'string' || (id != null && ptr.id !== id)) {
    throw new IntegrityError({ kind: 'flow', id }, 'malformed flow pointer')
  }
  return { id: ptr.id, head, n: ptr.n, owner: ptr.owner }
}

/** Reads both locations; the record with the higher `rev` is the execution's. */
export async function loadExec (datastore: Datastore, id: string): Promise<StoredExec | undefined> {
  const [a, t] = await Promise.all([getOptional(datastore, execKey(id, 'a')), getOptional(datastore, execKey(id, 't'))])
  const locs: Array<'a' | 't'> = []
  if (a != null) locs.push('a')
  if (t != null) locs.push('t')
  const ra = a == null ? undefined : decodeExec(a, id)
  const rt = t == null ? undefined : decodeExec(t, id)
  const rec = ra == null ? rt : rt == null ? ra : (rt.rev > ra.rev ? rt : ra)
  return rec == null ? undefined : { rec, locs }
}

export async function loadFlowPointer (datastore: Datastore, id: string): Promise<FlowPointer | undefined> {
  const bytes = await getOptional(datastore, flowKey(id))
  return bytes == null ? undefined : decodeFlowPointer(bytes, id)
}

export function summaryOf (rec: ExecRecord): ExecutionSummary {
  return { executionId: rec.id, flowId: rec.flowId, status: rec.status, updatedAt: rec.at }
}
