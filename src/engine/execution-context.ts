import type { ExecutionContext } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'

/** The context of a new execution: what the caller gave, defaults from the flow for the rest. */
export function executionContext (flow: FlowDefinition, context: Partial<ExecutionContext>): ExecutionContext {
  const daoSubnet = context.daoSubnet ?? flow.metadata.daoSubnet
  return {
    triggeredBy: context.triggeredBy ?? flow.owner,
    triggerType: context.triggerType ?? 'manual',
    inputData: context.inputData ?? {},
    variables: context.variables ?? {},
    permissions: context.permissions ?? [],
    ...(daoSubnet != null ? { daoSubnet } : {})
  }
}
