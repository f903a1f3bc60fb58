/**
 * The flow format: the single source of truth for the TypeScript types and for the
 * JSON Schema file `shared/flow.schema.json` (written by `npm run schema`).
 *
 * Names follow the design document (`FlowDefinition`, `FlowStep`, `FlowMetadata`,
 * `RetryPolicy`, `ResourceLimits`). Per-action `params` are checked by the action
 * registry in `src/actions`, not here, so that modules can extend the vocabulary.
 */
import { z } from 'zod'
import { ERROR_TYPES } from './errors.js'

export const STEP_TYPES = ['task', 'condition', 'parallel', 'event-trigger', 'module-call'] as const
export type StepType = typeof STEP_TYPES[number]

export const BACKOFF_STRATEGIES = ['fixed', 'linear', 'exponential'] as const

const nonEmpty = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' })
const positiveInt = z.number({ error: 'must be a number' }).int({ error: 'must be an integer >= 1' }).min(1, { error: 'must be an integer >= 1' })
const nonNegative = z.number({ error: 'must be a number' }).min(0, { error: 'must be a number >= 0' })
/** For `z.strictObject`: a wrong type reads `must be an object`; unknown keys keep their own issue. */
const objectError = { error: (issue: { code: string }) => issue.code === 'invalid_type' ? 'must be an object' : undefined }

export const RetryPolicySchema = z.strictObject({
  maxAttempts: positiveInt.describe('Total attempts including the first one'),
  backoffStrategy: z.enum(BACKOFF_STRATEGIES, { error: `must be one of ${BACKOFF_STRATEGIES.join(', ')}` }).optional()
    .describe('How the delay grows between attempts (default exponential)'),
  initialDelay: nonNegative.optional().describe('Delay before the second attempt, in ms (default 100)'),
  maxDelay: nonNegative.optional().describe('Upper bound of any delay, in ms (default 30000)'),
  backoffMultiplier: z.number({ error: 'must be a number' }).min(1, { error: 'must be a number >= 1' }).optional()
    .describe('Growth factor for exponential backoff (default 2)'),
  jitter: z.number({ error: 'must be a number' }).min(0, { error: 'must be a number between 0 and 1' }).max(1, { error: 'must be a number between 0 and 1' }).optional()
    .describe('Fraction of each delay that is randomised, deterministically per attempt (default 0.2)'),
  retryableErrors: z.array(z.enum(ERROR_TYPES as [string, ...string[]], { error: `must be one of ${ERROR_TYPES.join(', ')}` })).optional()
    .describe('Error types that may be retried (default: every error marked retryable)')
}, objectError).describe('RetryPolicy: how a failing step is retried')

export const ResourceLimitsSchema = z.strictObject({
  maxMemoryMB: nonNegative.optional(),
  maxCpuPercent: nonNegative.optional(),
  maxExecutionTimeMs: nonNegative.optional(),
  maxNetworkRequests: z.number({ error: 'must be a number' }).int({ error: 'must be an integer >= 0' }).min(0, { error: 'must be an integer >= 0' }).optional(),
  maxOutputBytes: nonNegative.optional(),
  maxStorageMB: nonNegative.optional()
}, objectError).describe('ResourceLimits: caps applied while the step runs')

export const ResourceRequirementsSchema = z.strictObject({
  minMemoryMB: nonNegative.optional(),
  minCpuCores: nonNegative.optional(),
  capabilities: z.array(nonEmpty).optional()
}, objectError).describe('ResourceRequirements: what a node needs to run this flow')

export const FlowStepSchema = z.strictObject({
  id: nonEmpty.describe('Unique step id within the flow'),
  type: z.enum(STEP_TYPES, { error: `must be one of ${STEP_TYPES.join(', ')}` }),
  action: nonEmpty.describe('Action name, e.g. qflow.action.log'),
  params: z.record(z.string(), z.unknown(), { error: 'must be an object' }).describe('Action parameters; strings may hold ${expr}'),
  onSuccess: nonEmpty.optional().describe('Step id to continue with on success (default: the next step of the list)'),
  onFailure: nonEmpty.optional().describe('Step id to continue with when the step fails for good'),
  timeout: z.number({ error: 'must be a number' }).int({ error: 'must be an integer >= 1' }).min(1, { error: 'must be an integer >= 1' }).optional().describe('Step timeout in ms'),
  retryPolicy: RetryPolicySchema.optional(),
  resourceLimits: ResourceLimitsSchema.optional(),
  requirements: ResourceRequirementsSchema.optional().describe('What a node needs to run this step (capabilities, memory, cores): the node selector filters on it'),
  redundancy: z.number({ error: 'must be a number' }).int({ error: 'must be an integer 1-15' }).min(1, { error: 'must be an integer 1-15' }).max(15, { error: 'must be an integer 1-15' }).optional()
    .describe('Run the step on this many distinct nodes; the majority result (by content hash) wins')
}, objectError).describe('FlowStep: one step of a flow')

export const VISIBILITIES = ['public', 'dao-only', 'private'] as const

export const FlowMetadataSchema = z.strictObject({
  tags: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' }),
  category: z.string({ error: 'must be a string' }),
  visibility: z.enum(VISIBILITIES, { error: `must be one of ${VISIBILITIES.join(', ')}` }),
  daoSubnet: nonEmpty.optional(),
  requiredPermissions: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' }),
  estimatedDuration: nonNegative.optional(),
  resourceRequirements: ResourceRequirementsSchema.optional()
}, objectError).describe('FlowMetadata: discovery and access information')

export const FlowDefinitionSchema = z.strictObject({
  $schema: z.string({ error: 'must be a string' }).optional().describe('URL or path of flow.schema.json, for editors; ignored by Qflow'),
  id: nonEmpty,
  name: nonEmpty,
  version: nonEmpty,
  owner: nonEmpty.describe('sQuid identity of the owner'),
  description: z.string({ error: 'must be a string' }).optional(),
  steps: z.array(FlowStepSchema, { error: 'must be a list of steps' }).min(1, { error: 'must hold at least one step' }),
  metadata: FlowMetadataSchema,
  daoPolicy: nonEmpty.optional(),
  createdAt: nonEmpty.describe('ISO 8601 time'),
  updatedAt: nonEmpty.describe('ISO 8601 time')
}, objectError).describe('FlowDefinition: a Qflow flow document')

export type RetryPolicy = z.infer<typeof RetryPolicySchema>
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>
export type ResourceRequirements = z.infer<typeof ResourceRequirementsSchema>
export type FlowStep = z.infer<typeof FlowStepSchema>
export type FlowMetadata = z.infer<typeof FlowMetadataSchema>
export type FlowDefinition = z.infer<typeof FlowDefinitionSchema>

/** Fields a local file may omit; the loader fills them in and reports each default. */
export const DEFAULTABLE_FIELDS = ['id', 'version', 'owner', 'createdAt', 'updatedAt'] as const
