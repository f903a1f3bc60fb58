/**
 * The validation pipeline and its four layers. `createTrustPipeline(init)` composes the
 * default layers; `validationPipeline({ layers, clock })` takes hand-built ones.
 *
 * @example
 * const trust = await createTrustPipeline({ clock: systemClock(), authorities: [admin.id] })
 * await trust.pipeline.validate(operation, { flow })        // throws ValidationFailedError
 * await trust.pipeline.validateStep(step, { operation, flow, params })
 * trust.index.search({ tag: 'billing', viewer: { id: alice.id, subnets: [] } })
 */
import type { Clock } from '../../interface/clock.js'
import type { Keyring } from '../../state/qlock/keyring.js'
import { peerAuthority } from '../grants/authority.js'
import type { AuthorityPredicate, PeerAuthorityInit } from '../grants/authority.js'
import { grantVerifier } from '../grants/chain.js'
import type { GrantVerifier } from '../grants/chain.js'
import type { StepNeeds } from '../grants/needs.js'
import { revocationList } from '../grants/revocations.js'
import type { RevocationList } from '../grants/revocations.js'
import { signatureVerifier } from '../identity/verifier.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { replayCache } from '../replay-cache.js'
import type { ReplayCache } from '../replay-cache.js'
import type { DaoRegistry } from '../dao/registry.js'
import type { ValidationHistory } from './history.js'
import { memoryMetadataIndex } from './metadata-index.js'
import type { MetadataIndex } from './metadata-index.js'
import { validationPipeline } from './pipeline.js'
import type { ValidationPipeline } from './pipeline.js'
import { qerberosLayer } from './qerberos.js'
import type { QerberosInit } from './qerberos.js'
import { qindexLayer } from './qindex.js'
import { qlockLayer } from './qlock.js'
import type { QlockInit } from './qlock.js'
import { qonsentLayer } from './qonsent.js'

export * from './types.js'
export * from './pipeline.js'
export * from './history.js'
export * from './datastore-history.js'
export * from './metadata-index.js'
export * from './token-bucket.js'
export * from './guard.js'
export * from './admission.js'
export * from './peer-step.js'
export { qlockLayer }
export type { QlockInit }
export { qonsentLayer }
export type { QonsentInit } from './qonsent.js'
export { qindexLayer }
export type { QindexInit } from './qindex.js'
export { qerberosLayer }
export type { QerberosInit, AllowList } from './qerberos.js'

export interface TrustPipelineInit extends Pick<QerberosInit, 'skewMs' | 'rateLimit' | 'maxPayloadBytes' | 'allowList' | 'burst'> {
  clock: Pick<Clock, 'now'>
  /** Roots of trust for grants: node operators, DAO admins (or a predicate). */
  authorities: readonly string[] | AuthorityPredicate
  /**
   * The peer-authority rule for operations admitted by other nodes (`peerAuthority`, see
   * src/trust/ARCHITECTURE.md); default: from `dao` (membership, the policy's admins), else
   * from `isMember` with no admins.
   */
  peers?: PeerAuthorityInit
  verifier?: SignatureVerifier
  keys?: Pick<Keyring, 'get'>
  revocations?: RevocationList
  index?: MetadataIndex
  history?: ValidationHistory
  replay?: ReplayCache
  stepNeeds?: Readonly<Record<string, StepNeeds>>
  /** DAO subnets: membership for Qindex, subnet allow-lists and resource caps for Qerberos. */
  dao?: Pick<DaoRegistry, 'isMember' | 'version' | 'allowList'> & Partial<Pick<DaoRegistry, 'policy'>>
  isMember?(daoSubnet: string, identity: string): boolean
  membershipVersion?(): number
  cacheSize?: number
  /** Flow owners must be sQuid identities (default true; a local node may run flows owned by `local`). */
  requireDidOwner?: boolean
  /** Visibilities whose payloads must be sealed (default private and dao-only; admissions that carry only an input CID need none). */
  sealed?: QlockInit['sealed']
  /** Identities the rate limit does not apply to (the node's own identity). */
  unlimited?: readonly string[]
}

export interface TrustPipeline {
  pipeline: ValidationPipeline
  verifier: SignatureVerifier
  grants: GrantVerifier
  revocations: RevocationList
  index: MetadataIndex
  replay: ReplayCache
}

export async function createTrustPipeline (init: TrustPipelineInit): Promise<TrustPipeline> {
  const verifier = init.verifier ?? await signatureVerifier()
  const grants = grantVerifier(verifier)
  const revocations = init.revocations ?? revocationList(verifier)
  const index = init.index ?? memoryMetadataIndex()
  const replay = init.replay ?? replayCache(init.clock)
  const dao = init.dao
  const isMember = init.isMember ?? (dao != null ? (subnet: string, id: string) => dao.isMember(subnet, id) : undefined)
  const membershipVersion = init.membershipVersion ?? (dao != null ? () => dao.version() : undefined)
  const peers = peerAuthority(init.peers ?? {
    isMember: isMember ?? (() => false),
    admins: (subnet) => dao?.policy?.(subnet)?.signed.policy.admins ?? []
  })
  const pipeline = validationPipeline({
    clock: init.clock,
    ...(init.history != null ? { history: init.history } : {}),
    ...(init.cacheSize != null ? { cacheSize: init.cacheSize } : {}),
    layers: {
      qlock: qlockLayer({ verifier, ...(init.keys != null ? { keys: init.keys } : {}), ...(init.sealed != null ? { sealed: init.sealed } : {}) }),
      qonsent: qonsentLayer({ grants, revocations, authorities: init.authorities, peers, ...(init.stepNeeds != null ? { stepNeeds: init.stepNeeds } : {}) }),
      qindex: qindexLayer({ index, ...(init.requireDidOwner != null ? { requireDidOwner: init.requireDidOwner } : {}), ...(isMember != null ? { isMember } : {}), ...(membershipVersion != null ? { membershipVersion } : {}) }),
      qerberos: qerberosLayer({
        replay, skewMs: init.skewMs, rateLimit: init.rateLimit, ...(init.unlimited != null ? { unlimited: init.unlimited } : {}), maxPayloadBytes: init.maxPayloadBytes, allowList: init.allowList, burst: init.burst,
        ...(dao != null ? { subnetAllowList: (subnet: string) => dao.allowList(subnet), subnetVersion: () => dao.version() } : {})
      })
    }
  })
  return { pipeline, verifier, grants, revocations, index, replay }
}
