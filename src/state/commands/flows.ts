/**
 * Flows: each version is a block linking the previous version (`prev`), so the version list
 * is the chain and the latest version's CID commits to the whole history. The CID is the
 * `versionId`. The definition itself is sealed under the flow owner's key.
 */
import type { CID } from 'multiformats/cid'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { FlowVersion } from '../../interface/state-store.js'
import { cborBlock, parseCid, readNode } from '../blocks.js'
import type { FlowNode } from '../blocks.js'
import type { StoreContext } from '../context.js'
import type { CommitOp } from '../group-commit.js'
import { FLOW_PREFIX } from '../keys.js'
import { openJson, sealJson } from '../payload.js'
import { decodeFlowPointer } from '../records.js'
import type { FlowPointer } from '../records.js'

export function flowOwner (flow: FlowDefinition, fallback: string): string {
  return flow.metadata?.daoSubnet ?? flow.owner ?? fallback
}

export function putFlowOp (ctx: StoreContext, flow: FlowDefinition): CommitOp<FlowVersion> {
  return {
    key: `f:${flow.id}`,
    async run (tx) {
      const cur = await tx.flow(flow.id)
      const owner = flowOwner(flow, ctx.defaultOwner)
      const createdAt = new Date(ctx.now()).toISOString()
      const node: FlowNode = {
        qflow: 1, k: 'flow', id: flow.id, prev: cur?.head ?? null, at: createdAt,
        body: await sealJson(await ctx.keyring.current(owner), flow, 'flow', flow.id)
      }
      const block = await cborBlock(node)
      tx.stageFlow(flow.id, { id: flow.id, head: block.cid, n: (cur?.n ?? 0) + 1, owner }, [block])
      return { flowId: flow.id, versionId: block.cid.toString(), createdAt }
    }
  }
}

export function deleteFlowOp (flowId: string): CommitOp<boolean> {
  return {
    key: `f:${flowId}`,
    async run (tx) {
      if (await tx.flow(flowId) == null) return false
      tx.stageFlow(flowId, null)
      return true
    }
  }
}

export async function getFlow (ctx: StoreContext, flowId: string, versionId?: string): Promise<FlowDefinition | undefined> {
  const ptr = await ctx.cache.flows.get(flowId)
  if (ptr == null) return undefined
  let cid: CID | undefined = ptr.head
  if (versionId != null) {
    cid = parseCid(versionId)
    if (cid == null || !(await hasVersion(ctx, flowId, ptr.head, cid))) return undefined
  }
  return openFlow(ctx, flowId, cid)
}

export async function openFlow (ctx: StoreContext, flowId: string, cid: CID): Promise<FlowDefinition> {
  const ref = { kind: 'flow' as const, id: flowId, cid: cid.toString() }
  const node = await readNode(ctx.blockstore, cid, 'flow', ref)
  return openJson<FlowDefinition>(ctx, node.body, ref)
}

export async function listFlows (ctx: StoreContext): Promise<FlowDefinition[]> {
  const pointers = await allFlowPointers(ctx)
  return Promise.all(pointers.map(async ptr => openFlow(ctx, ptr.id, ptr.head)))
}

/** Flow pointers on disk, overlaid with the journal's newer ones. */
export async function allFlowPointers (ctx: StoreContext): Promise<FlowPointer[]> {
  const found = new Map<string, FlowPointer>()
  for await (const { key, value } of ctx.datastore.query({ prefix: FLOW_PREFIX })) {
    if (!key.toString().startsWith(`${FLOW_PREFIX}/`)) continue
    const ptr = decodeFlowPointer(value)
    found.set(ptr.id, ptr)
  }
  for (const [id, ptr] of ctx.cache.flows.dirty) {
    if (ptr == null) found.delete(id)
    else found.set(id, ptr)
  }
  return [...found.values()]
}

export async function listFlowVersions (ctx: StoreContext, flowId: string): Promise<FlowVersion[]> {
  const ptr = await ctx.cache.flows.get(flowId)
  const out: FlowVersion[] = []
  for await (const [cid, node] of walkFlow(ctx, flowId, ptr?.head ?? null)) {
    out.push({ flowId, versionId: cid.toString(), createdAt: node.at })
  }
  return out.reverse()
}

/** Newest to oldest. */
export async function * walkFlow (ctx: Pick<StoreContext, 'blockstore'>, flowId: string, head: CID | null): AsyncGenerator<[CID, FlowNode]> {
  let cid = head
  while (cid != null) {
    const node: FlowNode = await readNode(ctx.blockstore, cid, 'flow', { kind: 'flow', id: flowId })
    yield [cid, node]
    cid = node.prev
  }
}

async function hasVersion (ctx: StoreContext, flowId: string, head: CID, version: CID): Promise<boolean> {
  for await (const [cid] of walkFlow(ctx, flowId, head)) {
    if (cid.equals(version)) return true
  }
  return false
}
