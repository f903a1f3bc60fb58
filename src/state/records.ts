/**
 * The mutable pointers: one record per execution (log head, event count, summary, owner,
 * recent snapshots) and one pointer per flow (latest version). Records are dag-cbor in the
 * datastore; `rev` grows with every write so that, should a crash leave a record both in the
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

export function encodeRecord (value: ExecRecord | FlowPointer): Uint8Array {
  return dagCbor.encode(value)
}

export function decodeExec (bytes: Uint8Array, id?: string): ExecRecord {
  let rec: any
  try {
    rec = dagCbor.decode(bytes)
  } catch {
    throw new IntegrityError({ kind: 'execution', id }, 'record is not dag-cbor')
  }
  const ok = rec != null && typeof rec.id === 'string' && typeof rec.flowId === 'string' &&
    (EXECUTION_STATUSES as readonly string[]).includes(rec.status) && typeof rec.n === 'number' &&
    typeof rec.rev === 'number' && (rec.head === null || CID.asCID(rec.head) != null) && Array.isArray(rec.snaps)
  if (!ok || (id != null && rec.id !== id)) throw new IntegrityError({ kind: 'execution', id }, 'malformed execution record')
  return rec
}

export function decodeFlowPointer (bytes: Uint8Array, id?: string): FlowPointer {
  const ptr: any = dagCbor.decode(bytes)
  if (ptr == null || typeof ptr.id !== 'string' || CID.asCID(ptr.head) == null || (id != null && ptr.id !== id)) {
    throw new IntegrityError({ kind: 'flow', id }, 'malformed flow pointer')
  }
  return ptr
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
