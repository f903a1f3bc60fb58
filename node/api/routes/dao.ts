/**
 * `/api/v1/dao/subnets`: the DAO subnets the relay knows (its registry's current policies), and
 * per subnet its members, admins, policy (CID, version, history), quorums, allow-list and the
 * code CIDs it approved (on the whitelist, or voted in by its quorum). Read-only: governance
 * changes are signed operations (`qflow dao …`), not API calls.
 *
 * Isolation as for flows (access.ts): a subnet is listed for, and readable by, its members and
 * the relay's admins; to anyone else it does not exist (404, left out of the list).
 */
import { Hono } from 'hono'
import type { Context } from 'hono'
import type { DaoPolicy, SignedDaoPolicy } from '../../../shared/trust.js'
import { NotFoundError } from '../../../src/index.js'
import { getAccess } from '../access.js'

/** A code CID's approval in a subnet (the registry's `approval`). */
export interface DaoApproval { cid: string, votes: string[], needed: number, approved: boolean }

/** What the routes read of the DAO registry (`runtime.trust.dao`), nothing that changes it. */
export interface DaoView {
  subnets(): readonly string[]
  policy(subnet: string): { cid: string, signed: SignedDaoPolicy } | undefined
  /** CIDs of every policy version, oldest first. */
  history(subnet: string): readonly string[]
  approval(subnet: string, cid: string): DaoApproval
  /** Code CIDs members put up for a vote (absent: none are known, only the whitelist is listed). */
  proposals?(subnet: string): Promise<readonly string[]>
}

/** One subnet in the list. */
export interface DaoSubnetSummary {
  id: string
  version: number
  policyCid: string
  members: string[]
  admins: string[]
  adminQuorum: number
  approvalQuorum: number
}

/** One subnet in full. */
export interface DaoSubnetDetail extends DaoSubnetSummary {
  /** Policy CIDs of every version, oldest first. */
  versions: string[]
  issuedAt: number
  allowedActions: string[]
  allowedHosts: Record<string, string[]>
  resourceCaps: Record<string, number>
  codeWhitelist: string[]
  /** Code CIDs that may run in `dao-approved` mode: the whitelist and proposals the quorum voted for. */
  approvedCode: string[]
  /** Proposed code CIDs and their votes. */
  proposals: DaoApproval[]
}

function summary (id: string, cid: string, p: DaoPolicy): DaoSubnetSummary {
  return { id, version: p.version, policyCid: cid, members: [...p.members], admins: [...p.admins], adminQuorum: p.adminQuorum, approvalQuorum: p.approvalQuorum }
}

export function daoRoutes ({ dao }: { dao: DaoView }): Hono {
  const app = new Hono()

  const visible = async (c: Context, subnet: string): Promise<boolean> => await getAccess(c).visible(subnet)

  app.get('/subnets', async (c) => {
    const ids = [...dao.subnets()].sort()
    const shown = await Promise.all(ids.map(async id => await visible(c, id)))
    const subnets = ids.flatMap((id, i) => {
      const current = shown[i] ? dao.policy(id) : undefined
      return current != null ? [summary(id, current.cid, current.signed.policy)] : []
    })
    return c.json({ subnets })
  })

  app.get('/subnets/:id', async (c) => {
    const id = c.req.param('id')
    const current = dao.policy(id)
    // hidden and unknown subnets answer alike, so a subnet's existence does not leak
    if (current == null || !await visible(c, id)) throw new NotFoundError(`no DAO subnet "${id}"`)
    const p = current.signed.policy
    const proposed = dao.proposals != null ? await dao.proposals(id) : []
    const proposals = [...new Set(proposed)].sort().map(cid => {
      const a = dao.approval(id, cid)
      return { cid, votes: [...a.votes].sort(), needed: a.needed, approved: a.approved }
    })
    const approvedCode = [...new Set([...p.codeWhitelist, ...proposals.filter(a => a.approved).map(a => a.cid)])].sort()
    const detail: DaoSubnetDetail = {
      ...summary(id, current.cid, p),
      versions: [...dao.history(id)],
      issuedAt: p.issuedAt,
      allowedActions: [...p.allowedActions],
      allowedHosts: p.allowedHosts,
      resourceCaps: p.resourceCaps,
      codeWhitelist: [...p.codeWhitelist],
      approvedCode,
      proposals
    }
    return c.json({ subnet: detail })
  })

  return app
}

/**
 * The view of a runtime's trust parts: its registry, and the trust store's proposals on a data
 * directory (in memory there is no store: proposals are not kept, the whitelist still is).
 */
export function daoViewOf (trust: { dao: Omit<DaoView, 'proposals'>, store?: { dao: { proposals(subnet: string): Promise<Array<{ payload: { cid: string } }>> } } }): DaoView {
  const { dao, store } = trust
  return {
    subnets: () => dao.subnets(),
    policy: (subnet) => dao.policy(subnet),
    history: (subnet) => dao.history(subnet),
    approval: (subnet, cid) => dao.approval(subnet, cid),
    ...(store != null ? { proposals: async (subnet: string) => (await store.dao.proposals(subnet)).map(p => p.payload.cid) } : {})
  }
}
