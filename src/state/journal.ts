/**
 * The journal (a write-ahead log over the datastore). A committed batch becomes durable with
 * ONE datastore write, whatever the number of executions in it: the entry holds the batch's
 * small blocks and every pointer change. Compaction, in the background, writes the blocks to
 * the blockstore and each changed pointer once to its own key. Blocks of INLINE_LIMIT bytes
 * or more (large outputs) skip the journal: they are written to the blockstore first.
 *
 *   /qflow/j/s<slot>  { seq, blocks: [CID, bytes][], execs: ExecRecord[], flows: Array<FlowPointer | { id, deleted }> }
 *   /qflow/j/mark     { seq }: every entry up to `seq` is in the blockstore and the record keys
 *
 * Entries live in a ring of JOURNAL_SLOTS keys (slot = seq mod slots), so none is ever
 * deleted: a write that would overwrite an entry not yet compacted waits for compaction.
 * Replay at open applies the entries newer than the mark, in order, then compacts.
 *
 * Without write-ahead (`writeAhead: false`, for log-structured stores such as LevelDB where a
 * batch is one append to the store's own log), a batch is written in place: blocks and
 * pointers in one atomic write when the platform offers one (`inPlace`: Node's single
 * LevelDB), else its blocks with one `putMany`, then its pointers with one datastore batch
 * (blocks land before the pointers that name them, so a crash in between leaves garbage for
 * GC, never a dangling pointer). There is nothing to compact, and no write ever waits behind
 * compaction. Entries a write-ahead run
 * left behind are still replayed and compacted at open.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'
import { TERMINAL_STATUSES } from '../../shared/execution.js'
import type { Block } from './blocks.js'
import { getOptional } from './datastore-io.js'
import { IntegrityError } from './errors.js'
import { execKey, flowKey } from './keys.js'
import type { PendingBlockstore } from './pending-blocks.js'
import type { RecordCache } from './record-cache.js'
import { decodeExec, decodeFlowPointer, encodeRecord } from './records.js'
import type { ExecRecord, FlowPointer } from './records.js'

export const JOURNAL_SLOTS = 16
export const INLINE_LIMIT = 64 * 1024
const PREFIX = '/qflow/j'
const MARK = new Key(`${PREFIX}/mark`)

interface Entry { seq: number, blocks: Array<[CID, Uint8Array]>, execs: ExecRecord[], flows: Array<FlowPointer | { id: string, deleted: true }> }

export interface JournalOptions {
  /** Dirty pointers that start a compaction (default 4096). */
  maxDirty?: number
  /** Journaled block bytes that start a compaction (default 8 MiB). */
  maxPendingBytes?: number
  /**
   * Default true: one journal entry per batch, compacted in the background (stores where each
   * key is a file or a transaction: datastore-fs, IndexedDB). false: write each batch in place
   * (stores whose batch is already one log append: LevelDB).
   */
  writeAhead?: boolean
  /**
   * With `writeAhead: false`: writes a batch's blocks and pointer changes in ONE atomic write
   * (Node: one LevelDB batch across the blockstore and the datastore). Absent: the blocks with
   * `putMany`, then the pointers with a datastore batch.
   */
  inPlace?: InPlaceCommit
}

/** One change of a pointer key. */
export type PointerOp = { type: 'put', key: Key, value: Uint8Array } | { type: 'delete', key: Key }

/** Writes blocks and pointer changes atomically: all of them or none. */
export type InPlaceCommit = (blocks: Block[], pointers: PointerOp[]) => Promise<void>

export class Journal {
  private seq = 0
  private mark = -1
  private compacting?: Promise<void>
  /** Background compactions that failed (each is retried; writes wait before the ring wraps). */
  errors = 0
  private readonly maxDirty: number
  private readonly maxPendingBytes: number
  private readonly writeAhead: boolean
  private readonly inPlace?: InPlaceCommit

  constructor (private readonly datastore: Datastore, private readonly cache: RecordCache,
    private readonly blocks: PendingBlockstore, options: JournalOptions = {}) {
    this.maxDirty = options.maxDirty ?? 4096
    this.maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024
    this.writeAhead = options.writeAhead ?? true
    this.inPlace = options.inPlace
  }

  /** Entries written since the last compaction. */
  get pending (): number { return this.seq - 1 - this.mark }

  /** Half the ring used, or enough dirty data: time to compact (in the background). */
  needsCompaction (): boolean {
    return this.compacting == null && (this.pending >= JOURNAL_SLOTS / 2 || this.blocks.size >= this.maxPendingBytes ||
      this.cache.execs.dirty.size + this.cache.flows.dirty.size >= this.maxDirty)
  }

  /** Makes one batch durable: large blocks to the blockstore, then a single journal put. */
  async write (blocks: Block[], execs: Array<[string, ExecRecord]>, flows: Array<[string, FlowPointer | null]>): Promise<void> {
    if (!this.writeAhead) return this.writeInPlace(blocks, execs, flows)
    while (this.pending >= JOURNAL_SLOTS) await this.compact() // never overwrite an entry not yet compacted
    const large = blocks.filter(b => b.bytes.length >= INLINE_LIMIT)
    if (large.length > 0) {
      for await (const _ of this.blocks.inner.putMany(large)) { /* drain */ }
    }
    const entry: Entry = {
      seq: this.seq,
      blocks: blocks.filter(b => b.bytes.length < INLINE_LIMIT).map(b => [b.cid, b.bytes]),
      execs: execs.map(([, rec]) => rec),
      flows: flows.map(([id, p]) => p ?? { id, deleted: true })
    }
    await this.datastore.put(slotKey(entry.seq), dagCbor.encode(entry))
    this.seq = entry.seq + 1
    this.blocks.add(entry.blocks.map(([cid, bytes]) => ({ cid, bytes })))
    for (const [id, rec] of execs) this.cache.execs.stage(id, rec)
    for (const [id, ptr] of flows) this.cache.flows.stage(id, ptr)
  }

  /** Starts a background compaction when one is due. */
  maybeCompact (): void {
    if (this.needsCompaction()) this.compact().catch(() => { this.errors++ })
  }

  /** Compacts everything journaled so far (joining a compaction in flight first). */
  async compact (): Promise<void> {
    while (this.compacting != null) await this.compacting.catch(() => {})
    if (this.pending <= 0) return
    this.compacting = this.compactOnce().finally(() => { this.compacting = undefined })
    return this.compacting
  }

  /**
   * Writes the pending blocks, then every dirty pointer to its key (records move between the
   * active and terminal sets here), then the mark. Journal writes may continue meanwhile.
   */
  private async compactOnce (): Promise<void> {
    const through = this.seq - 1
    const execs = [...this.cache.execs.dirty]
    const flows = [...this.cache.flows.dirty]
    await this.blocks.flush() // blocks before the records that name them
    await this.writePointers(execs, flows)
    await this.datastore.put(MARK, dagCbor.encode({ seq: through }))
    this.mark = through
  }

  /**
   * Without write-ahead: in one atomic write when the platform gives one (`inPlace`), else the
   * blocks, then the pointers, each as one batch. Memory follows disk.
   */
  private async writeInPlace (blocks: Block[], execs: Array<[string, ExecRecord]>, flows: Array<[string, FlowPointer | null]>): Promise<void> {
    // entries of an earlier write-ahead run first, so that no older pointer overwrites a newer one
    while (this.pending > 0) await this.compact()
    if (this.inPlace != null) {
      const { ops, settle } = this.pointerOps(execs, flows)
      await this.inPlace(blocks, ops)
      settle()
      return
    }
    if (blocks.length > 0) {
      for await (const _ of this.blocks.inner.putMany(blocks)) { /* drain */ }
    }
    await this.writePointers(execs, flows)
  }

  /** Writes each pointer to its key with one datastore batch, then marks them settled in memory. */
  private async writePointers (execs: Array<[string, ExecRecord | null]>, flows: Array<[string, FlowPointer | null]>): Promise<void> {
    if (execs.length === 0 && flows.length === 0) return
    const { ops, settle } = this.pointerOps(execs, flows)
    const batch = this.datastore.batch()
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value)
      else batch.delete(op.key)
    }
    await batch.commit()
    settle()
  }

  /**
   * The datastore changes that write each pointer to its key (records move between the active
   * and terminal sets here: put before delete; BaseDatastore batches apply puts first, LevelDB
   * and IndexedDB commit atomically: a record is never lost), and what settles them in memory.
   */
  private pointerOps (execs: Array<[string, ExecRecord | null]>, flows: Array<[string, FlowPointer | null]>): { ops: PointerOp[], settle: () => void } {
    const ops: PointerOp[] = []
    const settled: Array<() => void> = []
    for (const [id, rec] of execs) {
      if (rec == null) continue
      const loc = TERMINAL_STATUSES.has(rec.status) ? 't' : 'a'
      ops.push({ type: 'put', key: execKey(id, loc), value: encodeRecord(rec) })
      for (const old of this.cache.execs.locations(id)) if (old !== loc && old !== 'f') ops.push({ type: 'delete', key: execKey(id, old) })
      settled.push(() => { this.cache.execs.settle(id, rec, [loc]) })
    }
    for (const [id, ptr] of flows) {
      ops.push(ptr == null ? { type: 'delete', key: flowKey(id) } : { type: 'put', key: flowKey(id), value: encodeRecord(ptr) })
      settled.push(() => { this.cache.flows.settle(id, ptr, ptr == null ? [] : ['f']) })
    }
    return { ops, settle: () => { for (const settle of settled) settle() } }
  }

  /**
   * At open: re-applies the entries newer than the mark (a crash may have left them) to the
   * in-memory overlay, and compacts them in the background: reads are served from the overlay
   * meanwhile, and writes wait for compaction only when the ring is full (as always).
   */
  async replay (): Promise<number> {
    const mark = await getOptional(this.datastore, MARK)
    this.mark = mark == null ? -1 : dagCbor.decode<{ seq: number }>(mark).seq
    const entries: Entry[] = []
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      if (key.toString().startsWith(`${PREFIX}/s`)) entries.push(decodeEntry(key, value))
    }
    entries.sort((a, b) => a.seq - b.seq)
    this.seq = Math.max(this.mark, ...entries.map(e => e.seq)) + 1
    let replayed = 0
    for (const entry of entries) {
      if (entry.seq <= this.mark) continue
      this.blocks.add((entry.blocks ?? []).map(([cid, bytes]) => ({ cid, bytes })))
      for (const rec of entry.execs) this.cache.execs.stage(rec.id, decodeExec(encodeRecord(rec), rec.id))
      for (const f of entry.flows) this.cache.flows.stage(f.id, 'deleted' in f ? null : decodeFlowPointer(encodeRecord(f), f.id))
      replayed++
    }
    this.compact().catch(() => { this.errors++ })
    return replayed
  }
}

function decodeEntry (key: Key, bytes: Uint8Array): Entry {
  try {
    const entry = dagCbor.decode<Entry>(bytes)
    if (typeof entry?.seq === 'number' && Array.isArray(entry.execs) && Array.isArray(entry.flows)) return entry
  } catch {}
  throw new IntegrityError({ kind: 'journal', id: key.toString() }, 'not a readable journal entry (corrupt file)')
}

function slotKey (seq: number): Key {
  return new Key(`${PREFIX}/s${seq % JOURNAL_SLOTS}`)
}
