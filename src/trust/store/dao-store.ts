/**
 * The DAO registry on a blockstore + datastore. Signed policy versions, votes and proposals
 * are content-addressed blocks; the datastore holds the pointers (each subnet's version list,
 * pending versions, the proposal and votes of each code CID). Opening replays the blocks into
 * a `daoRegistry`, which verifies them again: a document altered on disk is refused
 * (`TrustStoreError`), a forged one too (`DaoPolicyError`), so the disk is never trusted.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { DaoPolicy, SignedDaoPolicy, SignedDaoVote } from '../../../shared/trust.js'
import { policyCid, policyViolation, verifyPolicy } from '../dao/policy.js'
import { daoRegistry } from '../dao/registry.js'
import type { Approval, DaoRegistry } from '../dao/registry.js'
import { compact } from '../encoding.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { getDocument, putDocument } from './blocks.js'
import type { TrustBlocks } from './blocks.js'
import { cidBytes, cidText, getPointer, TRUST_KEYS } from './keys.js'
import type { TrustPointers } from './keys.js'
import { asSigned, checkSignatures, cosign, countSignatures, mergeSignatures } from './policy-signing.js'
import { verifyProposal } from './proposal.js'
import type { CodeProposal } from './proposal.js'

export interface DaoStoreInit {
  blocks: TrustBlocks
  datastore: TrustPointers
  verifier: SignatureVerifier
}

export interface PolicySignatures { cid: string, version: number, subnet: string, signers: string[], needed: number }

export interface SignResult extends PolicySignatures {
  /** True once the version is current (quorum reached); false while it collects signatures. */
  published: boolean
  /** It was already the current version: nothing changed. */
  unchanged?: boolean
}

export interface PendingPolicy extends PolicySignatures { signed: SignedDaoPolicy }

export interface DaoStore {
  /** The loaded registry (read it; change it only through this store, or changes are not kept). */
  readonly registry: DaoRegistry
  /**
   * Adds `signer`'s signature to a policy version (a bare policy or `{ policy, signatures }`)
   * and publishes it once its governors' quorum signed; until then it is kept pending.
   * Throws `DaoPolicyError`: `policy_tampered`, `policy_malformed`, `policy_chain`, `not_an_admin`.
   *
   * @example
   * const r = await dao.sign({ subnet: 'dao.a', version: 1, members: [ann.id], admins: [ann.id], … }, ann)
   * r.published // true: ann was the only admin needed
   */
  sign(doc: DaoPolicy | SignedDaoPolicy, signer?: SquidIdentity): Promise<SignResult>
  /** Versions collecting signatures (of one subnet, or all). */
  pending(subnet?: string): Promise<PendingPolicy[]>
  /** Records a member's proposal (the first one stands; `unknown_subnet`, `not_a_member`, `proposal_forged`). */
  propose(proposal: CodeProposal): Promise<CodeProposal>
  proposal(subnet: string, cid: string): Promise<CodeProposal | undefined>
  proposals(subnet: string): Promise<CodeProposal[]>
  /** Records a member's vote for a proposed CID (`no_proposal` when nobody proposed it). */
  vote(vote: SignedDaoVote): Promise<Approval>
}

export async function openDaoStore (init: DaoStoreInit): Promise<DaoStore> {
  const { blocks, datastore, verifier } = init
  const registry = daoRegistry(verifier)
  const docs = new Map<string, string[]>()

  for await (const { value } of datastore.query({ prefix: TRUST_KEYS.subnets })) {
    const record = dagCbor.decode<{ subnet: string, versions: string[] }>(value)
    for (const [i, cid] of record.versions.entries()) {
      await registry.publish(await getDocument<SignedDaoPolicy>(blocks, cid, `policy version ${i + 1} of ${record.subnet}`))
    }
    docs.set(record.subnet, record.versions)
  }
  for await (const { value } of datastore.query({ prefix: TRUST_KEYS.votes })) {
    const vote = await getDocument<SignedDaoVote>(blocks, cidText(value), 'stored vote')
    try {
      await registry.vote(vote)
    } catch (err: any) {
      // a former member's vote stays on disk as a record but no longer counts
      if (err?.code !== 'not_a_member') throw err
    }
  }

  async function storedPending (subnet: string, cid: string): Promise<SignedDaoPolicy | undefined> {
    const pointer = await getPointer(datastore, TRUST_KEYS.pending(subnet, cid))
    return pointer == null ? undefined : await getDocument<SignedDaoPolicy>(blocks, cidText(pointer), `pending policy ${cid} of ${subnet}`)
  }

  async function publish (signed: SignedDaoPolicy): Promise<void> {
    const subnet = signed.policy.subnet
    const doc = await putDocument(blocks, signed)
    await putDocument(blocks, compact(signed.policy)) // the policy itself, under its CID
    const versions = [...(docs.get(subnet) ?? []), doc]
    await datastore.put(TRUST_KEYS.subnet(subnet), dagCbor.encode({ subnet, versions }))
    await registry.publish(signed)
    docs.set(subnet, versions)
    // whatever else was pending replaced the version that is now superseded
    for await (const { key } of datastore.query({ prefix: TRUST_KEYS.pendingOf(subnet) })) await datastore.delete(key)
  }

  const store: DaoStore = {
    registry,
    async sign (doc, signer) {
      let signed = asSigned(doc)
      await checkSignatures(signed, verifier)
      const subnet = signed.policy.subnet
      const current = registry.policy(subnet)
      const cid = policyCid(signed.policy)
      const done = (published: boolean, extra: Partial<SignResult> = {}): SignResult =>
        ({ cid, version: signed.policy.version, subnet, published, ...countSignatures(signed, current?.signed.policy ?? signed.policy), ...extra })
      if (current?.cid === cid) { signed = current.signed; return done(true, { unchanged: true }) }
      const quorumOnly = async (): Promise<boolean> => {
        try { await verifyPolicy(signed, verifier, current?.signed); return true } catch (err: any) {
          if (err?.code === 'policy_quorum') return false
          throw err
        }
      }
      await quorumOnly() // shape and chain first: nothing malformed gets signed
      const stored = await storedPending(subnet, cid)
      if (stored != null) signed = mergeSignatures(stored, signed)
      signed = await cosign(signed, current?.signed.policy ?? signed.policy, signer)
      if (await quorumOnly()) {
        await publish(signed)
        return done(true)
      }
      await datastore.put(TRUST_KEYS.pending(subnet, cid), cidBytes(await putDocument(blocks, signed)))
      return done(false)
    },
    async pending (subnet) {
      const out: PendingPolicy[] = []
      for await (const { key, value } of datastore.query({ prefix: subnet != null ? TRUST_KEYS.pendingOf(subnet) : '/qflow/trust/dao/pending/' })) {
        const signed = await getDocument<SignedDaoPolicy>(blocks, cidText(value), `pending policy ${key.baseNamespace()}`)
        const p = signed.policy
        out.push({ cid: policyCid(p), version: p.version, subnet: p.subnet, signed, ...countSignatures(signed, registry.policy(p.subnet)?.signed.policy ?? p) })
      }
      return out.sort((a, b) => a.subnet.localeCompare(b.subnet) || a.version - b.version)
    },
    async propose (proposal) {
      const { subnet, cid, policy } = (await verifyProposal(proposal, verifier)).payload
      const proposer = proposal.envelope.actor
      if (registry.policy(subnet) == null) throw policyViolation('unknown_subnet', `no DAO subnet ${subnet} is known here: create it with qflow dao create ${subnet}`)
      if (!registry.isMember(subnet, proposer)) throw policyViolation('not_a_member', `${proposer} is not a member of ${subnet}: only members propose code; an admin adds members with qflow dao members ${subnet} --add <did>`)
      if (!registry.history(subnet).includes(policy)) throw policyViolation('policy_unknown', `the proposal names policy ${policy}, which is not a version of ${subnet}`)
      const existing = await store.proposal(subnet, cid)
      if (existing != null) return existing
      await datastore.put(TRUST_KEYS.proposal(subnet, cid), cidBytes(await putDocument(blocks, proposal)))
      return proposal
    },
    async proposal (subnet, cid) {
      const pointer = await getPointer(datastore, TRUST_KEYS.proposal(subnet, cid))
      if (pointer == null) return undefined
      return await verifyProposal(await getDocument<CodeProposal>(blocks, cidText(pointer), `proposal of ${cid} in ${subnet}`), verifier)
    },
    async proposals (subnet) {
      const out: CodeProposal[] = []
      for await (const { value } of datastore.query({ prefix: TRUST_KEYS.proposalsOf(subnet) })) {
        out.push(await verifyProposal(await getDocument<CodeProposal>(blocks, cidText(value), `proposal in ${subnet}`), verifier))
      }
      return out.sort((a, b) => a.envelope.timestamp - b.envelope.timestamp)
    },
    async vote (vote) {
      if (registry.policy(vote?.subnet) != null && await store.proposal(vote.subnet, vote.cid) == null) {
        throw policyViolation('no_proposal', `nobody proposed ${vote.cid} in ${vote.subnet}: a member proposes it first (qflow dao propose ${vote.cid} --subnet ${vote.subnet})`)
      }
      const approval = await registry.vote(vote)
      await datastore.put(TRUST_KEYS.vote(vote.subnet, vote.cid, vote.voter), cidBytes(await putDocument(blocks, vote)))
      return approval
    }
  }
  return store
}
