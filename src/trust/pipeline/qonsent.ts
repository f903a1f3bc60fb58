/**
 * Qonsent: the actor holds a valid grant for each need (flow execute, `requiredPermissions`,
 * the steps' needs). Grants come with the operation (`context.grants`); each chain is verified
 * (signatures, delegation within its proof), then used: not expired, not before `notBefore`,
 * not revoked, rooted in an authority. Roots: the configured authorities (node operators,
 * DAO admins) for anything, and a flow's owner for `flow:<its id>`; for an operation admitted
 * by another node (`vouchers`), also the `peers` rule (`grants/authority.ts`). The owner needs
 * no grant to execute its own flow. Cached until the earliest expiry used or the next revocation.
 */
import { ErrorType } from '../../../shared/errors.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation } from '../../../shared/trust.js'
import { PermissionDeniedError } from '../errors.js'
import { EXECUTE, formatPermission, permits } from '../grants/capability.js'
import type { Permission } from '../grants/capability.js'
import type { AuthorityPredicate } from '../grants/authority.js'
import { checkGrantUse } from '../grants/chain.js'
import type { GrantChain, GrantVerifier } from '../grants/chain.js'
import { defaultStepNeeds, flowNeeds, staticStepNeeds, stepNeeds } from '../grants/needs.js'
import type { StepNeeds } from '../grants/needs.js'
import type { RevocationList } from '../grants/revocations.js'
import { verdict } from './types.js'
import type { LayerInput, ValidationLayer } from './types.js'

/** Grants one operation may present. */
export const MAX_GRANTS = 32

export interface QonsentInit {
  grants: GrantVerifier
  revocations: Pick<RevocationList, 'isRevoked' | 'version'>
  /** Identities trusted at the root of any grant chain (or a predicate on issuer, resource and context). */
  authorities: readonly string[] | AuthorityPredicate
  /** The extra roots of an operation admitted by another node (`peerAuthority`); consulted only when it has vouchers. */
  peers?: AuthorityPredicate
  /** Needs per action name (default: `qflow.action.http` → `http:<host>`). */
  stepNeeds?: Readonly<Record<string, StepNeeds>>
}

function needsOf (input: LayerInput, table: Readonly<Record<string, StepNeeds>>): { needs: Permission[], unresolved: boolean } {
  const { flow, step, operation } = input
  if (flow == null) return { needs: operation.type === 'external-event' ? [{ resource: `event:${operation.target}`, action: 'emit' }] : [], unresolved: false }
  const s = step == null ? staticStepNeeds(flow, table) : stepNeeds(step.step, step.params, table)
  return { needs: [...flowNeeds(flow), ...s.known], unresolved: s.unresolved }
}

function implicit (need: Permission, operation: Operation, flow?: FlowDefinition): boolean {
  return flow != null && operation.actor === flow.owner && need.action === EXECUTE && need.resource === `flow:${flow.id}`
}

export function qonsentLayer (init: QonsentInit): ValidationLayer<'qonsent'> {
  const table = init.stepNeeds ?? defaultStepNeeds
  const roots = typeof init.authorities === 'function' ? undefined : new Set(init.authorities)
  const predicate = typeof init.authorities === 'function' ? init.authorities : undefined

  return {
    name: 'qonsent',
    policyVersion: () => init.revocations.version(),
    async check (input) {
      const { operation, flow, now } = input
      const presented = operation.context?.grants ?? []
      if (!Array.isArray(presented)) throw new PermissionDeniedError('grant_malformed', 'context.grants must be a list of signed grants')
      // bounds the signature checks one operation can ask for (each chain has at most MAX_CHAIN links)
      if (presented.length > MAX_GRANTS) throw new PermissionDeniedError('too_many_grants', `an operation may present at most ${MAX_GRANTS} grants, not ${presented.length}`)
      const chains: GrantChain[] = await Promise.all(presented.map(async g => await init.grants.verify(g)))
      const { needs, unresolved } = needsOf(input, table)
      const context = { flow, vouchers: input.vouchers }
      const peers = input.vouchers != null && input.vouchers.length > 0 ? init.peers : undefined
      const isAuthority = (issuer: string, resource: string): boolean =>
        roots?.has(issuer) === true || predicate?.(issuer, resource, context) === true || (flow != null && issuer === flow.owner && resource === `flow:${flow.id}`) ||
        peers?.(issuer, resource, context) === true
      const use = { now, isAuthority, isRevoked: init.revocations.isRevoked }
      let validUntil = Number.POSITIVE_INFINITY
      const used: string[] = []
      for (const need of needs) {
        if (implicit(need, operation, flow)) continue
        let reason: PermissionDeniedError | undefined
        let granted = false
        for (const chain of chains) {
          if (chain.leaf.audience !== operation.actor || !permits(chain.leaf, need)) continue
          const problem = checkGrantUse(chain, use)
          if (problem == null) {
            granted = true
            validUntil = Math.min(validUntil, chain.expiry)
            used.push(chain.links[chain.links.length - 1].id)
            break
          }
          reason ??= problem
        }
        if (!granted) {
          const why = reason ?? new PermissionDeniedError('permission_missing', `no grant presented covers ${formatPermission(need)}`)
          return verdict({ errors: [{ code: why.code, type: ErrorType.PERMISSION_DENIED, message: `${formatPermission(need)} is not granted to ${operation.actor}: ${why.message}` }] })
        }
      }
      return verdict({
        metadata: { needs: needs.map(formatPermission), grants: used },
        warnings: unresolved ? [{ code: 'needs_unresolved', message: 'some step needs depend on expressions and are checked when the step runs' }] : [],
        validUntil
      })
    }
  }
}
