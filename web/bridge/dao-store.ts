/** The local DAO state (subnets, policies, pending versions, proposals and votes) as a resource. */
import { createResource } from 'solid-js'
import type { Resource } from 'solid-js'
import type { SignedDaoPolicy } from '../../shared/trust.js'
import { signVote } from '../../src/trust/index.js'
import type { Approval } from '../../src/trust/index.js'
import { signProposal } from '../../src/trust/store/index.js'
import type { CodeProposal, PendingPolicy } from '../../src/trust/store/index.js'
import type { TabNode } from '../kernel/tab-node.js'

export interface SubnetView {
  subnet: string
  current?: { cid: string, signed: SignedDaoPolicy }
  versions: string[]
  pending: PendingPolicy[]
  proposals: Array<{ proposal: CodeProposal, approval: Approval }>
  member: boolean
}

export interface DaoView {
  subnets: Resource<SubnetView[]>
  create(subnet: string): Promise<void>
  propose(subnet: string, cid: string): Promise<void>
  vote(subnet: string, cid: string): Promise<void>
}

export function createDaoStore (node: TabNode): DaoView {
  const { dao } = node.trust
  const me = node.identity
  const [subnets, { refetch }] = createResource(async () => await Promise.all(dao.registry.subnets().map(async subnet => ({
    subnet,
    current: dao.registry.policy(subnet),
    versions: dao.registry.history(subnet),
    pending: await dao.pending(subnet),
    proposals: (await dao.proposals(subnet)).map(proposal => ({ proposal, approval: dao.registry.approval(subnet, proposal.payload.cid) })),
    member: dao.registry.isMember(subnet, me.id)
  }))))
  const after = async (work: Promise<unknown>): Promise<void> => { await work; await refetch() }
  return {
    subnets,
    create: async (subnet) => await after(dao.sign({
      subnet, version: 1, members: [me.id], admins: [me.id], adminQuorum: 1, allowedActions: ['qflow.*'],
      allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: Date.now()
    }, me)),
    propose: async (subnet, cid) => await after(dao.propose(await signProposal(me, { subnet, cid, policy: dao.registry.policy(subnet)!.cid }))),
    vote: async (subnet, cid) => await after(dao.vote(await signVote(me, { subnet, cid, policy: dao.registry.policy(subnet)!.cid })))
  }
}
