/**
 * Error classification shared by every layer (engine, API, wire, dashboard).
 * The string values are a contract: they are what the JSON carries.
 */
export const ErrorType = {
  VALIDATION_ERROR: 'validation_error',
  EXECUTION_ERROR: 'execution_error',
  NODE_FAILURE: 'node_failure',
  NETWORK_ERROR: 'network_error',
  PERMISSION_DENIED: 'permission_denied',
  RESOURCE_EXHAUSTED: 'resource_exhausted',
  TIMEOUT_ERROR: 'timeout_error',
  DAO_POLICY_VIOLATION: 'dao_policy_violation'
} as const

export type ErrorType = typeof ErrorType[keyof typeof ErrorType]

export const ERROR_TYPES: readonly ErrorType[] = Object.values(ErrorType)

/** The seed's `ExecutionError`: how a failure is stored in the log and shown. */
export interface ExecutionError {
  type: ErrorType
  message: string
  stepId?: string
  nodeId?: string
  retryable: boolean
  details: Record<string, unknown>
  timestamp: string
}

/** One problem found in a document, located by a path such as `steps[2].retryPolicy.maxAttempts`. */
export interface PathError {
  path: string
  message: string
}
