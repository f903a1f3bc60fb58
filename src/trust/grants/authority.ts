/**
 * Who may sit at the root of a grant chain. Locally admitted operations: the configured
 * authorities (the node itself among them) for anything, and a flow's owner for `flow:<its id>`.
 * An operation admitted by another node (a step sent by a coordinator, an execution taken over
 * from a coordinator that died) is vouched for by the nodes that carried it here (`vouchers`:
 * the node that admitted it, the node that dispatched the step); for it, besides the local
 * roots:
 * - the admins of the flow's DAO subnet (its current policy);
 * - a vouching node, when it is a node of the flow's subnet: a member of its DAO subnet, or any
 *   node for a flow without one (open work).
 * A local user cannot gain authority from this: `vouchers` come only from the dispatch
 * envelope's verified signer and the admission's record, never from the operation.
 */
import type { FlowDefinition } from '../../../shared/flow.js'

/** What an authority decision may depend on besides the issuer and the resource. */
export interface AuthorityContext {
  /** The flow the operation targets. */
  flow?: FlowDefinition
  /** Nodes (sQuid ids) vouching for an operation admitted elsewhere; absent or empty: admitted here. */
  vouchers?: readonly string[]
}

/** A root-of-trust predicate: may `issuer` grant `resource` at the root of a chain? */
export type AuthorityPredicate = (issuer: string, resource: string, context: AuthorityContext) => boolean

export interface PeerAuthorityInit {
  /** Membership of a DAO subnet (the registry's `isMember`). */
  isMember(subnet: string, identity: string): boolean
  /** The admins of a DAO subnet (its current policy; none when unknown). */
  admins(subnet: string): readonly string[]
}

/**
 * The extra roots of an operation admitted by another node (see above); false for a locally
 * admitted one.
 *
 * @example
 * const peers = peerAuthority({ isMember: dao.isMember, admins: s => dao.policy(s)?.signed.policy.admins ?? [] })
 * peers(coordinator.id, '*', { flow, vouchers: [coordinator.id] }) // true for a member of flow's subnet
 */
export function peerAuthority (init: PeerAuthorityInit): AuthorityPredicate {
  return (issuer, _resource, { flow, vouchers }) => {
    if (vouchers == null || vouchers.length === 0) return false
    const subnet = flow?.metadata?.daoSubnet
    if (subnet == null || subnet === '') return vouchers.includes(issuer)
    return init.admins(subnet).includes(issuer) || (vouchers.includes(issuer) && init.isMember(subnet, issuer))
  }
}
