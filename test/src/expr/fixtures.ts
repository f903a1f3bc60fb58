import type { ExpressionScope } from '../../../src/expr/index.js'

/** A scope touching every root, with the JSON types each test needs. */
export function testScope (overrides: Partial<ExpressionScope> = {}): ExpressionScope {
  return {
    input: { n: 3, flag: true, nil: null, user: 'ada', obj: { a: 1, b: [1, 2] }, arr: [1, 2, 3], one: [5] },
    steps: { fetch: { output: { status: 200, body: { id: 'u1' } } }, 'send-mail': { output: 'sent' } },
    variables: { region: 'eu' },
    context: { runId: 'run-1', attempt: 2 },
    error: { message: 'boom', type: 'network_error' },
    ...overrides
  }
}

/** Runs `promise` expecting an ExpressionError and returns it. */
export async function rejection (promise: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await promise
  } catch (err) {
    return err as Error & Record<string, any>
  }
  throw new Error('expected the promise to reject')
}
