/**
 * The tab's validation pipeline, as a Node runtime's (`node/platform/trust-node.ts`) but in
 * memory: the tab identity is an authority and holds a self-issued grant for everything, which
 * it presents with the starts it signs for its user; the DAO registry is the tab's own DAO store
 * (`trust-state.ts`); signatures are checked with WebCrypto Ed25519 (noble where the browser
 * has none). `peerStep` is what the lent tab's executor validates other nodes' steps with.
 */
import type { FlowDefinition } from '../../shared/flow.js'
import type { Operation, SignedGrant } from '../../shared/trust.js'
import type { Clock } from '../../src/index.js'
import { createTrustPipeline, issueGrant, onBehalfCheck, peerAuthority, selfSigned, signatureVerifier } from '../../src/trust/index.js'
import type { DaoRegistry, PeerStepInit, SignatureVerifier, SquidIdentity, TrustPipeline } from '../../src/trust/index.js'

/** How long the tab's self-grant lasts (re-issued whenever the tab node starts; ~10 years). */
const SELF_GRANT_TTL = 10 * 365 * 24 * 3_600_000

export interface TabTrustInit {
  identity: SquidIdentity
  dao: DaoRegistry
  clock: Pick<Clock, 'now'>
  /** Default: `signatureVerifier()` (WebCrypto Ed25519 when the browser has it). */
  verifier?: SignatureVerifier
}

export interface TabTrust {
  /** The tab identity, remembering its own signatures (its starts are admitted without a second Ed25519 check). */
  identity: SquidIdentity
  /** The self-issued grant the tab presents with the starts it signs for its user. */
  ownerGrant: SignedGrant
  trust: TrustPipeline
  /** Child flows run on their parent's authority (`onBehalfCheck`). */
  checkOnBehalf(parent: Operation, flow: FlowDefinition, admittedBy?: string): Promise<void>
  /** What a lent tab validates another node's step with (`validatePeerStep`). */
  peerStep: PeerStepInit
}

export async function openTabTrust (init: TabTrustInit): Promise<TabTrust> {
  const raw = init.verifier ?? await signatureVerifier()
  const { identity, verifier } = selfSigned(init.identity, raw)
  const { dao, clock } = init
  const ownerGrant = await issueGrant(identity, { audience: identity.id, resource: '*', action: '*', ttlMs: SELF_GRANT_TTL }, { clock })
  const authorities = [identity.id]
  const trust = await createTrustPipeline({
    clock,
    verifier,
    authorities,
    dao,
    // flows a relay sends may be owned by its local owner ('local'); an admission carries only the input's CID, nothing to seal
    requireDidOwner: false,
    sealed: [],
    unlimited: [identity.id]
  })
  const isMember = (subnet: string, id: string): boolean => dao.isMember(subnet, id)
  const peers = peerAuthority({ isMember, admins: (subnet) => dao.policy(subnet)?.signed.policy.admins ?? [] })
  return {
    identity,
    ownerGrant,
    trust,
    checkOnBehalf: onBehalfCheck({ self: identity.id, grants: trust.grants, revocations: trust.revocations, authorities, peers, isMember, now: () => clock.now() }),
    peerStep: { pipeline: trust.pipeline, isMember, self: identity.id }
  }
}
