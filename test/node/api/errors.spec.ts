/** The single error mapping, on a bare Hono app: names to statuses, the body shape, logging. */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it, vi } from 'vitest'
import { errorHandler, FlowExistsError, InvalidRequestError, notFoundHandler, wrapNonErrors } from '../../../node/api/errors.js'
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../../../node/api/auth/errors.js'
import { ErrorType } from '../../../shared/errors.js'
import { FlowSyntaxError, InvalidFlowError, InvalidStateError, NotFoundError, trust } from '../../../src/index.js'

function appThrowing (err: unknown, log = vi.fn()): { app: Hono, log: typeof log } {
  const app = new Hono()
  app.onError(errorHandler({ log }))
  app.notFound(notFoundHandler)
  app.use('*', wrapNonErrors())
  app.get('/x', () => { throw err })
  return { app, log }
}

describe('api: error mapping', () => {
  it.each([
    [new InvalidFlowError([{ path: 'steps[0].id', message: 'must not be empty' }]), 400, 'steps[0].id'],
    [new InvalidRequestError([{ path: 'inputData', message: 'must be an object' }]), 400, 'inputData'],
    [new FlowSyntaxError('unexpected end of input', { line: 2, column: 3 }), 400, '(root)'],
    [new NotFoundError('no flow'), 404, '/x'],
    [new FlowExistsError('f'), 409, '/x'],
    [new InvalidStateError('completed'), 409, '/x'],
    [new HTTPException(418, { message: 'teapot' }), 418, '/x'],
    [new UnauthorizedError(), 401, '/x'],
    [new ForbiddenError('no'), 403, '/x'],
    [new trust.TrustError(ErrorType.DAO_POLICY_VIOLATION, 'not_member', 'not a member'), 403, '/x'],
    [new trust.PermissionDeniedError('permission_denied', 'no grant'), 403, '/x'],
    [new trust.TrustError(ErrorType.RESOURCE_EXHAUSTED, 'rate_limited', 'slow down', { retryAfterMs: 2500 }), 429, '/x']
  ])('maps %s', async (err, status, path) => {
    const { app, log } = appThrowing(err)
    const res = await app.request('/x')
    expect(res.status).toBe(status)
    expect(await res.json()).toMatchObject({ type: err instanceof HTTPException ? 'HTTPException' : (err as Error).name, message: expect.any(String), path })
    expect(log).not.toHaveBeenCalled()
  })

  it('reports every path error, and line and column of syntax errors', async () => {
    const errors = [{ path: 'a', message: 'x' }, { path: 'b', message: 'y' }]
    expect(await (await appThrowing(new InvalidFlowError(errors)).app.request('/x')).json()).toMatchObject({ errors })
    const syntax = await (await appThrowing(new FlowSyntaxError('bad', { line: 4, column: 9 })).app.request('/x')).json()
    expect(syntax).toEqual({ type: 'FlowSyntaxError', message: 'bad', path: '(root)', line: 4, column: 9 })
  })

  it('matches errors by name, so an error from another realm maps too', async () => {
    const foreign = Object.assign(new Error('gone'), { name: 'NotFoundError' })
    expect((await appThrowing(foreign).app.request('/x')).status).toBe(404)
  })

  it('answers anything else with a logged 500 that hides the details', async () => {
    for (const err of [new TypeError('secret detail'), 'a string', null, new HTTPException(502)]) {
      const { app, log } = appThrowing(err)
      const res = await app.request('/x')
      expect(res.status).toBe(500)
      expect(await res.json()).toEqual({ type: 'InternalError', message: 'internal error', path: '/x' })
      expect(log).toHaveBeenCalledOnce()
    }
  })

  it('answers unknown routes with a 404 in the same shape', async () => {
    const res = await appThrowing(new Error()).app.request('/nowhere')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ type: 'NotFoundError', path: '/nowhere' })
  })

  it('answers 429 with retry-after, 401 with www-authenticate', async () => {
    const limited = await appThrowing(new RateLimitedError(2100)).app.request('/x')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
    const trusted = await appThrowing(new trust.TrustError(ErrorType.RESOURCE_EXHAUSTED, 'rate_limited', 'slow down', { retryAfterMs: 2500 })).app.request('/x')
    expect(trusted.headers.get('retry-after')).toBe('3')
    const unauthorized = await appThrowing(new UnauthorizedError()).app.request('/x')
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer realm="qflow"')
  })
})
