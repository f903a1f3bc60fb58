/**
 * Execution logs: append (through group commit), read from an offset, list, head.
 */
import type { CID } from 'multiformats/cid'
import type { ExecutionEvent, ExecutionStatus } from '../../../shared/execution.js'
import { TERMINAL_STATUSES } from '../../../shared/execution.js'
import type { ExecutionSummary } from '../../interface/state-store.js'
import type { BigValue } from '../big-values.js'
import { readNode } from '../blocks.js'
import type { LogNode } from '../blocks.js'
import type { StoreContext } from '../context.js'
import type { CommitOp } from '../group-commit.js'
import { ACTIVE_PREFIX, TERMINAL_PREFIX } from '../keys.js'
import { decodeLogEvents, encodeLogBatch } from '../log-codec.js'
import { decodeExec, summaryOf } from '../records.js'
import type { ExecRecord } from '../records.js'

/** `context.daoSubnet ?? flow.owner` of the batch's `execution.started` event. */
export function ownerOf (events: ExecutionEvent[]): string | undefined {
  for (const event of events) {
    if (event.type === 'execution.started') return event.context?.daoSubnet ?? event.flow?.owner
  }
  return undefined
}

export function appendOp (ctx: StoreContext, executionId: string, events: ExecutionEvent[],
  summary: { flowId: string, status: ExecutionStatus }): CommitOp<void> {
  return {
    key: `x:${executionId}`,
    async run (tx) {
      const prev = await tx.exec(executionId)
      const owner = prev?.owner ?? ownerOf(events) ?? ctx.defaultOwner
      const start = prev?.n ?? 0
      let head = prev?.head ?? null
      const { blocks, big } = events.length === 0
        ? { blocks: [], big: [] }
        : await encodeLogBatch(ctx, await ctx.keyring.current(owner), executionId, head, start, events)
      if (blocks.length > 0) head = blocks[blocks.length - 1].cid
      tx.stageExec({
        id: executionId,
        flowId: prev?.flowId ?? summary.flowId,
        status: summary.status,
        at: events.length > 0 ? events[events.length - 1].at : ctx.now(),
        n: start + events.length,
        head,
        snaps: prev?.snaps ?? [],
        owner,
        rev: (prev?.rev ?? 0) + 1
      }, blocks)
      tx.stageBig(executionId, big)
    }
  }
}

/** Walks back from the head only as far as `from`, then opens those blocks. */
export async function readEvents (ctx: StoreContext, executionId: string, from = 0): Promise<ExecutionEvent[]> {
  const rec = await ctx.cache.execs.get(executionId)
  if (rec?.head == null || from >= rec.n) return []
  const start = Math.max(0, from)
  const nodes: Array<[CID, LogNode]> = []
  let cid: CID | null = rec.head
  while (cid != null) {
    const node: LogNode = await readNode(ctx.blockstore, cid, 'log', { kind: 'log', id: executionId })
    nodes.push([cid, node])
    if (node.i <= start) break
    cid = node.prev
  }
  nodes.reverse()
  const generation = ctx.bigValues.generation
  const found: BigValue[] = []
  const batches = await Promise.all(nodes.map(async ([c, node]) => decodeLogEvents(ctx, executionId, c, node, found)))
  ctx.bigValues.add(executionId, found, generation) // so that the next snapshots link these values
  return batches.flat().slice(start - nodes[0][1].i)
}

export async function listExecutions (ctx: StoreContext, filter: { active?: boolean, flowId?: string } = {}): Promise<ExecutionSummary[]> {
  const records = await allRecords(ctx, filter.active === true ? 'active' : filter.active === false ? 'terminal' : 'all')
  return records.filter(rec => filter.flowId == null || rec.flowId === filter.flowId).map(summaryOf)
}

export async function getHead (ctx: StoreContext, executionId: string): Promise<CID | undefined> {
  return (await ctx.cache.execs.get(executionId))?.head ?? undefined
}

/**
 * Every record of a set: the record keys on disk, overlaid with the journal's newer ones. A
 * background compaction may move records from the journal to disk while the keys are read;
 * the listing is then read again, so it is never older than the moment it was asked for.
 */
export async function allRecords (ctx: StoreContext, which: 'active' | 'terminal' | 'all' = 'all'): Promise<ExecRecord[]> {
  const prefixes = which === 'active' ? [ACTIVE_PREFIX] : which === 'terminal' ? [TERMINAL_PREFIX] : [ACTIVE_PREFIX, TERMINAL_PREFIX]
  let found = new Map<string, ExecRecord>()
  for (let attempt = 0; ; attempt++) {
    const settles = ctx.cache.execs.settles
    found = new Map()
    for (const prefix of prefixes) {
      for await (const { key, value } of ctx.datastore.query({ prefix })) {
        if (!key.toString().startsWith(`${prefix}/`)) continue
        const rec = decodeExec(value)
        const seen = found.get(rec.id)
        if (seen == null || rec.rev > seen.rev) found.set(rec.id, rec)
      }
    }
    // a compaction that settled nothing cannot have made what was read stale; after a few
    // rounds of concurrent compactions take what the overlay gives (still never older by rev)
    if (ctx.cache.execs.settles === settles || attempt >= 4) break
  }
  for (const [id, rec] of ctx.cache.execs.dirty) {
    if (rec == null) found.delete(id)
    else if ((found.get(id)?.rev ?? -1) <= rec.rev) found.set(id, rec)
  }
  const out = [...found.values()]
  return which === 'all' ? out : out.filter(rec => TERMINAL_STATUSES.has(rec.status) === (which === 'terminal'))
}
