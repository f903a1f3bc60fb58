/**
 * API authentication, authorisation and rate limiting.
 *
 * Credentials (either):
 * - `authorization: Bearer <token>`: a token issued to an sQuid identity (`TokenStore`;
 *   `<dataDir>/api-tokens.json` via `fileTokenStore`, the owner's in `<dataDir>/owner.token`);
 * - `x-qflow-signature: <base64 dag-cbor envelope>`: a request signed by an sQuid identity
 *   (see `request-signature.ts`), admitted when `verifyIdentity(id)` says so (default: only
 *   `admins`; the relay wires its own rule, e.g. DAO members).
 * - WebSocket upgrades (GET `/ws/…`) may pass the bearer token as `?access_token=` (browsers
 *   cannot set headers on a WebSocket).
 *
 * Rules (`authMiddleware`):
 * - POST/PUT/PATCH/DELETE need credentials (401 otherwise), except `/api/v1/webhooks/*`, which
 *   authenticate per flow (see `routes/webhooks.ts`);
 * - bad credentials on any request → 401; an unadmitted signer → 403;
 * - every request that carries an identity takes one token of that identity's bucket
 *   (`rateLimit.perMinute`, burst `rateLimit.burst`, default 600/min) → 429 + `retry-after`;
 * - reads stay open (unless `anonymousReads: false`); subnet isolation (`access.ts`) hides DAO-subnet flows and executions
 *   (404) from identities that are not members, and from anonymous readers.
 *
 * @example
 * const auth = createApiAuth({ tokens: fileTokenStore(dataDir), admins: [owner.id], subnets: id => registry.subnetsOf(id) })
 * const app = createApiApp({ ...runtime, auth })
 */
import type { MiddlewareHandler } from 'hono'
import { systemClock, trust } from '../../../src/index.js'
import type { Clock } from '../../../src/index.js'
import { openAccess, setAccess } from '../access.js'
import type { Access } from '../access.js'
import { ForbiddenError, RateLimitedError, UnauthorizedError } from './errors.js'
import { SIGNATURE_HEADER, verifySignedRequest } from './request-signature.js'
import { memoryTokenStore } from './token-store.js'
import type { TokenStore } from './token-store.js'

export * from './errors.js'
export * from './token-store.js'
export * from './owner-token.js'
export { signRequest, SIGNATURE_HEADER } from './request-signature.js'
export type { SignedRequestParts } from './request-signature.js'

/** What an identity may do besides reading. Ownership and subnet rules apply on top. */
export const API_SCOPES = ['flows:write', 'executions:start', 'executions:control'] as const
export type ApiScope = typeof API_SCOPES[number]

export const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export interface ApiAuthInit {
  /** token → identity id, or a store (`fileTokenStore(dataDir)`, `memoryTokenStore()`). */
  tokens: Map<string, string> | TokenStore
  /**
   * Whether an identity that signed a request (valid signature) is admitted on this relay;
   * default: only `admins`. An unadmitted signer gets 403.
   */
  verifyIdentity?: (identityId: string) => boolean | Promise<boolean>
  /** Per identity; default 600 per minute with a burst of as many. */
  rateLimit?: { perMinute: number, burst?: number }
  /** The DAO subnets `identityId` is a member of (default: none). */
  subnets?: (identityId: string) => readonly string[] | Promise<readonly string[]>
  /** Identities allowed everything, in every subnet (the relay's owner). */
  admins?: readonly string[]
  /** The scopes of a non-admin identity (default: all of `API_SCOPES`). */
  scopes?: (identityId: string) => readonly ApiScope[] | Promise<readonly ApiScope[]>
  /** Clock for signatures and rate limits (default: the system clock). */
  clock?: Pick<Clock, 'now'>
  /** Allowed clock skew of signed requests (default ±5 min). */
  skewMs?: number
  /**
   * Whether reads without credentials are served (default true: fine on 127.0.0.1). When false,
   * they get 401, except the probes (`/health/*`), `/metrics` and the API documents.
   */
  anonymousReads?: boolean
}

export interface ApiAuth {
  /** The identity of the request's credentials, undefined without any; `UnauthorizedError` for bad ones. */
  authenticate(request: { method: string, url: string, headers: Headers, body: () => Promise<Uint8Array> }): Promise<{ identity: string, via: 'token' | 'signature' } | undefined>
  /** Takes one request from the identity's bucket; `RateLimitedError` when empty. */
  take(identityId: string): void
  isAdmin(identityId: string): boolean
  subnetsOf(identityId: string): Promise<ReadonlySet<string>>
  hasScope(identityId: string, scope: ApiScope): Promise<boolean>
  /** Whether a (validly) signing identity is admitted. */
  admits(identityId: string): Promise<boolean>
  /** Whether a read of `path` without credentials is served. */
  servesAnonymous(path: string): boolean
}

/** Served without credentials even when `anonymousReads` is false. */
const ALWAYS_OPEN = /^\/(health\/|metrics$|api\/v1\/(openapi\.json|docs)$)/

export function createApiAuth (init: ApiAuthInit): ApiAuth {
  const tokens: TokenStore = init.tokens instanceof Map ? memoryTokenStore(init.tokens) : init.tokens
  const clock = init.clock ?? systemClock()
  const admins = new Set(init.admins ?? [])
  const perMinute = init.rateLimit?.perMinute ?? 600
  if (!(perMinute > 0)) throw new RangeError(`rateLimit.perMinute must be > 0, got ${perMinute}`)
  const buckets = trust.tokenBuckets({ capacity: init.rateLimit?.burst ?? perMinute, perSecond: perMinute / 60 })
  const replay = trust.replayCache(clock)
  let verifier: Promise<trust.SignatureVerifier> | undefined

  return {
    async authenticate (request) {
      const authorization = request.headers.get('authorization')
      const signature = request.headers.get(SIGNATURE_HEADER)
      const url = new URL(request.url)
      const queryToken = request.method === 'GET' && url.pathname.startsWith('/ws/') ? url.searchParams.get('access_token') : null
      if (authorization != null) {
        const match = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})\s*$/i.exec(authorization)
        if (match == null) throw new UnauthorizedError('authorization: expected "Bearer <token>"')
        const identity = await tokens.lookup(match[1])
        if (identity == null) throw new UnauthorizedError('authorization: unknown or revoked token')
        return { identity, via: 'token' }
      }
      if (signature != null) {
        verifier ??= trust.signatureVerifier()
        const identity = await verifySignedRequest(signature, { method: request.method, path: url.pathname + url.search, body: await request.body() }, {
          clock, verifier: await verifier, replay, ...(init.skewMs != null ? { skewMs: init.skewMs } : {})
        })
        return { identity, via: 'signature' }
      }
      if (queryToken != null) {
        const identity = await tokens.lookup(queryToken)
        if (identity == null) throw new UnauthorizedError('access_token: unknown or revoked token')
        return { identity, via: 'token' }
      }
      return undefined
    },
    take (identityId) {
      const taken = buckets.take(identityId, clock.now())
      if (!taken.ok) throw new RateLimitedError(taken.retryAfterMs)
    },
    isAdmin: (identityId) => admins.has(identityId),
    async subnetsOf (identityId) {
      return new Set(init.subnets != null ? await init.subnets(identityId) : [])
    },
    async hasScope (identityId, scope) {
      if (admins.has(identityId)) return true
      return init.scopes == null || (await init.scopes(identityId)).includes(scope)
    },
    async admits (identityId) {
      if (admins.has(identityId)) return true
      return init.verifyIdentity != null && await init.verifyIdentity(identityId)
    },
    servesAnonymous: (path) => init.anonymousReads !== false || ALWAYS_OPEN.test(path)
  }
}

/** Sets each request's `Access` (see `access.ts`); without `auth` every request gets open access. */
export function authMiddleware (auth: ApiAuth | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (auth == null) {
      setAccess(c, openAccess)
      return await next()
    }
    const method = c.req.method.toUpperCase()
    if (c.req.path.startsWith('/api/v1/webhooks/')) {
      // webhooks authenticate per flow, with the secret of their trigger
      setAccess(c, anonymousAccess())
      return await next()
    }
    const who = await auth.authenticate({
      method,
      url: c.req.url,
      headers: c.req.raw.headers,
      body: async () => new Uint8Array(await c.req.arrayBuffer())
    })
    if (who == null) {
      if (MUTATING_METHODS.has(method) || !auth.servesAnonymous(c.req.path)) throw new UnauthorizedError()
      setAccess(c, anonymousAccess())
      return await next()
    }
    auth.take(who.identity)
    if (who.via === 'signature' && !await auth.admits(who.identity)) {
      throw new ForbiddenError(`${who.identity} is not admitted on this relay`)
    }
    setAccess(c, identityAccess(auth, who.identity))
    await next()
  }
}

function anonymousAccess (): Access {
  return {
    enforced: true,
    admin: false,
    visible: async (subnet) => subnet == null,
    member: async () => false,
    require: async (scope) => { throw new UnauthorizedError(`authentication required for ${scope}`) },
    manages: () => false
  }
}

function identityAccess (auth: ApiAuth, identity: string): Access {
  const admin = auth.isAdmin(identity)
  let subnets: Promise<ReadonlySet<string>> | undefined
  const member = async (subnet: string): Promise<boolean> => admin || (await (subnets ??= auth.subnetsOf(identity))).has(subnet)
  return {
    identity,
    enforced: true,
    admin,
    visible: async (subnet) => subnet == null || await member(subnet),
    member,
    async require (scope) {
      if (!await auth.hasScope(identity, scope)) throw new ForbiddenError(`${identity} is not granted ${scope}`)
    },
    manages: (...owners) => admin || owners.includes(identity)
  }
}
