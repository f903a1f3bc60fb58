/**
 * DAO subnets known to this node: their current policies (each verified against the one it
 * replaces), membership, and code approvals. A member's signed vote for a code CID counts
 * while the voter is a member; `approvalQuorum` (k of n) distinct votes, or the CID on the
 * policy's `codeWhitelist`, approve it. The registry is the sandbox's `CodePolicy`
 * (`dao-approved` mode) and gives Qindex membership and Qerberos each subnet's allow-list.
 */
import type { SignedDaoPolicy, SignedDaoVote, UnsignedDaoVote } from '../../../shared/trust.js'
import { systemClock } from '../../interface/clock.js'
import type { Clock } from '../../interface/clock.js'
import type { CodePolicy } from '../../sandbox/index.js'
import { DOMAINS, signingBytes, toBase64url } from '../encoding.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import type { AllowList } from '../pipeline/qerberos.js'
import { policyCid, policyViolation, verifyPolicy } from './policy.js'

export function voteSigningBytes (v: UnsignedDaoVote): Uint8Array {
  return signingBytes(DOMAINS.vote, { subnet: v.subnet, cid: v.cid, voter: v.voter, policy: v.policy, timestamp: v.timestamp })
}

/** @example await dao.vote(await signVote(alice, { subnet: 'dao.a', cid, policy: dao.policy('dao.a')!.cid })) */
export async function signVote (voter: SquidIdentity, fields: Omit<UnsignedDaoVote, 'voter' | 'timestamp'>, options: { clock?: Pick<Clock, 'now'> } = {}): Promise<SignedDaoVote> {
  const unsigned: UnsignedDaoVote = { ...fields, voter: voter.id, timestamp: Math.trunc((options.clock ?? systemClock()).now()) }
  return { ...unsigned, signature: toBase64url(await voter.sign(voteSigningBytes(unsigned))) }
}

export interface Approval { cid: string, votes: string[], needed: number, approved: boolean }

export interface DaoRegistry extends CodePolicy {
  /** Verifies and makes current a policy (genesis, or the next version). Resolves with its CID. */
  publish(signed: SignedDaoPolicy): Promise<string>
  policy(subnet: string): { cid: string, signed: SignedDaoPolicy } | undefined
  /** CIDs of every version, oldest first. */
  history(subnet: string): string[]
  subnets(): string[]
  isMember(subnet: string, identity: string): boolean
  /** Records a member's vote (`DAO_POLICY_VIOLATION` for non-members, forged or foreign votes). */
  vote(vote: SignedDaoVote): Promise<Approval>
  approval(subnet: string, cid: string): Approval
  /** The subnet's allowed actions and hosts, for Qerberos. */
  allowList(subnet: string): AllowList
  /** Increases with every accepted policy (membership and allow-lists may have changed). */
  version(): number
}

export function daoRegistry (verifier: SignatureVerifier): DaoRegistry {
  const current = new Map<string, { cid: string, signed: SignedDaoPolicy }>()
  const versions = new Map<string, string[]>()
  const votes = new Map<string, Map<string, Set<string>>>() // subnet -> code cid -> voters
  let version = 0

  function approval (subnet: string, cid: string): Approval {
    const policy = current.get(subnet)?.signed.policy
    if (policy == null) return { cid, votes: [], needed: Number.POSITIVE_INFINITY, approved: false }
    const counted = [...(votes.get(subnet)?.get(cid) ?? [])].filter(v => policy.members.includes(v))
    return { cid, votes: counted, needed: policy.approvalQuorum, approved: policy.codeWhitelist.includes(cid) || counted.length >= policy.approvalQuorum }
  }

  return {
    async publish (signed) {
      const subnet = signed?.policy?.subnet
      const previous = current.get(subnet)
      const cid = await verifyPolicy(signed, verifier, previous?.signed)
      current.set(subnet, { cid, signed })
      versions.set(subnet, [...(versions.get(subnet) ?? []), cid])
      version++
      return cid
    },
    policy: (subnet) => current.get(subnet),
    history: (subnet) => [...(versions.get(subnet) ?? [])],
    subnets: () => [...current.keys()].sort(),
    isMember: (subnet, identity) => current.get(subnet)?.signed.policy.members.includes(identity) === true,
    async vote (v) {
      const entry = current.get(v?.subnet)
      if (entry == null) throw policyViolation('unknown_subnet', `no DAO subnet ${String(v?.subnet)} is known here`)
      if (!entry.signed.policy.members.includes(v.voter)) throw policyViolation('not_a_member', `${v.voter} is not a member of ${v.subnet}: the vote does not count`)
      if (!(versions.get(v.subnet) ?? []).includes(v.policy)) throw policyViolation('policy_unknown', `the vote names policy ${v.policy}, which is not a version of ${v.subnet}`)
      if (!await verifier.verify(v.voter, v.signature, voteSigningBytes(v))) throw policyViolation('vote_forged', `the vote for ${v.cid} is not signed by ${v.voter}`)
      let byCid = votes.get(v.subnet)
      if (byCid == null) { byCid = new Map(); votes.set(v.subnet, byCid) }
      const voters = byCid.get(v.cid) ?? new Set<string>()
      voters.add(v.voter)
      byCid.set(v.cid, voters)
      return approval(v.subnet, v.cid)
    },
    approval,
    isApproved: (cid, { daoSubnet }) => daoSubnet != null && approval(daoSubnet, cid).approved,
    allowList (subnet) {
      const p = current.get(subnet)?.signed.policy
      return p == null ? { actions: [], hosts: {}, version } : { actions: p.allowedActions, hosts: p.allowedHosts, resourceCaps: p.resourceCaps, version: policyCid(p) }
    },
    version: () => version
  }
}
