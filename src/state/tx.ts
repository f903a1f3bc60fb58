/**
 * One group-commit transaction: what a batch of operations stages (blocks, execution records,
 * flow pointers) and how it lands: one journal entry for all of it (see `journal.ts`).
 */
import type { BigValue, BigValueIndex } from './big-values.js'
import type { Block } from './blocks.js'
import type { Journal } from './journal.js'
import type { RecordCache } from './record-cache.js'
import type { ExecRecord, FlowPointer } from './records.js'

export class Tx {
  readonly blocks: Block[] = []
  private readonly execs = new Map<string, ExecRecord>()
  private readonly flows = new Map<string, FlowPointer | null>()
  /** Large values whose blocks this batch writes, by execution (indexed once it is durable). */
  private readonly big = new Map<string, BigValue[]>()
  private readonly committed: Array<() => void> = []

  constructor (private readonly cache: RecordCache, private readonly index?: BigValueIndex) {}

  /** The execution's record as staged so far in this batch, or as committed. */
  async exec (id: string): Promise<ExecRecord | undefined> {
    return this.execs.get(id) ?? await this.cache.execs.get(id)
  }

  async flow (id: string): Promise<FlowPointer | undefined> {
    const staged = this.flows.get(id)
    if (staged !== undefined) return staged ?? undefined
    return this.cache.flows.get(id)
  }

  /** Stages a new record with the blocks it needs. Synchronous: all or nothing. */
  stageExec (rec: ExecRecord, blocks: Block[] = []): void {
    this.execs.set(rec.id, rec)
    this.blocks.push(...blocks)
  }

  stageFlow (id: string, ptr: FlowPointer | null, blocks: Block[] = []): void {
    this.flows.set(id, ptr)
    this.blocks.push(...blocks)
  }

  /** Records large values whose blocks are staged in this batch (the index learns them once it is durable). */
  stageBig (executionId: string, values: BigValue[]): void {
    if (values.length === 0) return
    const list = this.big.get(executionId)
    if (list == null) this.big.set(executionId, [...values])
    else list.push(...values)
  }

  /** Large values of an execution staged so far in this batch. */
  stagedBig (executionId: string): readonly BigValue[] {
    return this.big.get(executionId) ?? []
  }

  /** Runs `fn` once the batch is durable (not if the write fails). */
  afterCommit (fn: () => void): void {
    this.committed.push(fn)
  }

  get empty (): boolean {
    return this.execs.size === 0 && this.flows.size === 0 && this.blocks.length === 0
  }

  /** One journal entry carries the batch's blocks and pointers: a pointer never names a missing block. */
  async commit (journal: Journal): Promise<void> {
    if (this.empty) return
    await journal.write(this.blocks, [...this.execs], [...this.flows])
    for (const [id, values] of this.big) this.index?.add(id, values)
    for (const fn of this.committed) fn()
  }
}
