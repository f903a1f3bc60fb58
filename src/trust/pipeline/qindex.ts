/**
 * Qindex: the flow's metadata is complete (tags, category, visibility, owner an sQuid
 * identity, a DAO subnet for dao-only flows) and consistent with the operation (target is
 * the flow, the claimed DAO subnet is the flow's). Subnet isolation: only a member of a flow's
 * DAO subnet acts on it (`not_a_member`, PERMISSION_DENIED), whatever its visibility. Once an
 * operation is accepted its flow and execution are indexed for search by those fields.
 */
import { ErrorType } from '../../../shared/errors.js'
import { VISIBILITIES } from '../../../shared/flow.js'
import type { ValidationIssue, ValidationWarning } from '../../../shared/trust.js'
import { findStep } from '../flow-steps.js'
import { isDidKey } from '../identity/did-key.js'
import type { MetadataIndex } from './metadata-index.js'
import { verdict } from './types.js'
import type { LayerInput, ValidationLayer } from './types.js'

export interface QindexInit {
  index: MetadataIndex
  /** Owners must be sQuid identities (default true). */
  requireDidOwner?: boolean
  /** Subnet membership: with it, only members act on a subnet's flows. */
  isMember?(daoSubnet: string, identity: string): boolean
  /** Bumped when membership changes (part of the policy version). */
  membershipVersion?(): number
}

export function qindexLayer (init: QindexInit): ValidationLayer<'qindex'> {
  const didOwner = init.requireDidOwner ?? true

  function issues (input: LayerInput): { errors: ValidationIssue[], warnings: ValidationWarning[] } {
    const { operation, flow } = input
    const errors: ValidationIssue[] = []
    const warnings: ValidationWarning[] = []
    const error = (code: string, message: string, path?: string, type: typeof ErrorType[keyof typeof ErrorType] = ErrorType.VALIDATION_ERROR): void => {
      errors.push({ code, type, message, ...(path != null ? { path } : {}) })
    }
    if (flow == null) {
      if (operation.type !== 'external-event') error('flow_unknown', `no flow definition given for ${operation.type} on ${operation.target}`)
      return { errors, warnings }
    }
    const m = flow.metadata
    if (input.step != null) {
      const declared = findStep(flow, input.step.step.id)
      if (declared == null || declared.action !== input.step.step.action) error('step_unknown', `step ${input.step.step.id} (${input.step.step.action}) is not a step of flow ${flow.id}`, 'step')
    }
    if (operation.type === 'flow-execution' && operation.target !== flow.id) error('target_mismatch', `the operation targets ${operation.target}, not flow ${flow.id}`, 'target')
    if (operation.type === 'step-execution' && !operation.target.startsWith(`${flow.id}/`)) error('target_mismatch', `a step operation's target must be <flowId>/<stepId> of flow ${flow.id}`, 'target')
    if (!Array.isArray(m?.tags) || m.tags.some(t => typeof t !== 'string' || t.trim() === '')) error('metadata_incomplete', 'tags must be a list of non-empty strings', 'metadata.tags')
    else if (new Set(m.tags).size !== m.tags.length) error('metadata_inconsistent', 'tags must not repeat', 'metadata.tags')
    else if (m.tags.length === 0) warnings.push({ code: 'no_tags', message: `flow ${flow.id} has no tags: it is hard to find` })
    if (typeof m?.category !== 'string' || m.category.trim() === '') error('metadata_incomplete', 'category must be a non-empty string', 'metadata.category')
    if (!(VISIBILITIES as readonly unknown[]).includes(m?.visibility)) error('metadata_incomplete', `visibility must be one of ${VISIBILITIES.join(', ')}`, 'metadata.visibility')
    if (didOwner && !isDidKey(flow.owner)) error('metadata_incomplete', `owner must be an sQuid identity (did:key), not '${String(flow.owner)}'`, 'owner')
    if (m?.visibility === 'dao-only' && (m.daoSubnet == null || m.daoSubnet === '')) error('metadata_inconsistent', 'a dao-only flow must name its DAO subnet', 'metadata.daoSubnet')
    if (!Array.isArray(m?.requiredPermissions)) error('metadata_incomplete', 'requiredPermissions must be a list', 'metadata.requiredPermissions')
    const claimed = operation.context?.daoSubnet
    if (claimed != null && claimed !== m?.daoSubnet) {
      error('dao_subnet_mismatch', `the operation claims DAO subnet ${claimed}, but flow ${flow.id} belongs to ${m?.daoSubnet ?? 'no subnet'}`, 'context.daoSubnet', ErrorType.DAO_POLICY_VIOLATION)
    }
    // subnet isolation: only members see, run or receive events of a subnet's flows, whatever their visibility
    if (m?.daoSubnet != null && init.isMember != null && !init.isMember(m.daoSubnet, operation.actor)) {
      error('not_a_member', `${operation.actor} is not a member of DAO subnet ${m.daoSubnet}, which flow ${flow.id} belongs to`, undefined, ErrorType.PERMISSION_DENIED)
    }
    return { errors, warnings }
  }

  return {
    name: 'qindex',
    scope: (input) => input.mode,
    policyVersion: () => init.membershipVersion?.() ?? 0,
    check (input) {
      const { errors, warnings } = issues(input)
      return verdict({ errors, warnings, metadata: input.flow == null ? {} : { tags: input.flow.metadata.tags, category: input.flow.metadata.category, visibility: input.flow.metadata.visibility } })
    },
    commit ({ operation, flow, now, mode }) {
      if (flow == null || mode !== 'admit') return
      const m = flow.metadata
      const base = { flowId: flow.id, owner: flow.owner, tags: m.tags, category: m.category, visibility: m.visibility, at: now, ...(m.daoSubnet != null ? { daoSubnet: m.daoSubnet } : {}) }
      init.index.put({ kind: 'flow', id: flow.id, ...base })
      if (operation.type === 'flow-execution') init.index.put({ kind: 'execution', id: operation.context?.executionId ?? operation.operationId, actor: operation.actor, ...base })
    }
  }
}
