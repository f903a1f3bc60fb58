/**
 * Trust benchmark (issue 5): the validation pipeline, four layers, Ed25519 verification.
 * - Ed25519 verify alone, WebCrypto and @noble/curves (why WebCrypto is the default)
 * - `validate` uncached: a fresh signed operation each time (signature, grants with their
 *   chains already verified once, metadata, allow-list, skew, replay, rate limit)
 * - `validate` cold: also verifying every grant chain (3 grants: 4 more signatures)
 * - `validateStep` cached: the same admitted operation re-checked before a step, the same
 *   object (hash memoised) and a structurally equal copy (re-hashed)
 * Operations are signed before timing; every figure is measured on this machine at run time.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { FlowDefinition } from '../../shared/flow.js'
import type { Operation, SignedGrant } from '../../shared/trust.js'
import {
  createIdentity, createTrustPipeline, issueGrant, nobleEd25519, signatureVerifier, signOperation, toBase64url, webCryptoEd25519
} from '../../src/trust/index.js'
import type { Ed25519Backend, SquidIdentity, TrustPipeline } from '../../src/trust/index.js'
import { figure, fmt, percentile } from './stats.js'

/**
 * For comparison only: Node's synchronous `crypto.verify` (OpenSSL on the main thread, no
 * threadpool round trip). Not isomorphic, so not in src/; a Node composition root could inject it.
 */
const nodeCryptoEd25519: Ed25519Backend = {
  ...webCryptoEd25519,
  name: 'node:crypto',
  importPublic: async (raw) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64url(raw) }, format: 'jwk' }) as unknown as CryptoKey,
  verify: async (key, signature, message) => signature.length === 64 && nodeVerify(null, message, key as unknown as KeyObject, signature)
}

const NOW = Date.parse('2026-01-01T00:00:00.000Z')
const clock = { now: () => NOW }
const HOUR = 3_600_000

async function timings (n: number, fn: (i: number) => Promise<unknown>, warmup = Math.min(200, n)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn(warmup + i)
    out.push((performance.now() - t) * 1000)
  }
  return out.sort((a, b) => a - b)
}

function report (print: (line: string) => void, name: string, us: number[], goal?: number): void {
  print(figure(`${name} p50`, percentile(us, 50), 'µs'))
  print(figure(`${name} p99`, percentile(us, 99), 'µs', goal != null ? { op: '<=', value: goal } : undefined))
}

function benchFlow (owner: string): FlowDefinition {
  return {
    id: 'bench-flow', name: 'bench', version: '1', owner,
    steps: [
      { id: 'fetch', type: 'task', action: 'qflow.action.http', params: { url: 'https://api.example.com/items' } },
      { id: 'shape', type: 'task', action: 'qflow.action.transform', params: { output: { n: 1 } } }
    ],
    metadata: { tags: ['bench', 'trust'], category: 'bench', visibility: 'public', requiredPermissions: ['reports:read'] },
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z'
  }
}

async function grantsFor (admin: SquidIdentity, owner: SquidIdentity, actor: SquidIdentity): Promise<SignedGrant[]> {
  return [
    await issueGrant(owner, { audience: actor.id, resource: 'flow:bench-flow', action: 'execute', ttlMs: HOUR }, { clock }),
    await issueGrant(admin, { audience: actor.id, resource: 'reports:read', action: 'use', ttlMs: HOUR }, { clock }),
    await issueGrant(admin, { audience: actor.id, resource: 'http:api.example.com', action: 'use', ttlMs: HOUR }, { clock })
  ]
}

async function newPipeline (admin: SquidIdentity, backend?: Ed25519Backend): Promise<TrustPipeline> {
  return await createTrustPipeline({
    clock, ...(backend != null ? { verifier: await signatureVerifier({ backend }) } : {}), authorities: [admin.id], rateLimit: { capacity: 1e9, perSecond: 1e9 }, burst: { windowMs: 1000, threshold: 1e9 },
    allowList: { hosts: { 'qflow.action.http': ['api.example.com'] } }
  })
}

export async function benchTrust (print: (line: string) => void): Promise<void> {
  const [admin, owner, alice] = [await createIdentity(), await createIdentity(), await createIdentity()]
  const flow = benchFlow(owner.id)
  const grants = await grantsFor(admin, owner, alice)
  const payload = { input: { month: '2026-01', items: [1, 2, 3], note: 'benchmark payload' } }
  const sign = async (g: SignedGrant[] = grants): Promise<Operation> =>
    await signOperation(alice, { type: 'flow-execution', target: flow.id, payload, context: { grants: g } }, { clock })

  // Ed25519 verify alone
  const message = new TextEncoder().encode('x'.repeat(200))
  const sig = await alice.sign(message)
  for (const backend of [webCryptoEd25519, nobleEd25519, nodeCryptoEd25519]) {
    const verifier = await signatureVerifier({ backend })
    report(print, `trust ed25519 verify (${backend.name})`, await timings(backend === nobleEd25519 ? 300 : 2000, async () => await verifier.verify(alice.id, sig, message)))
  }

  // uncached: a fresh operation each time, grant chains verified once beforehand
  const N = 2000
  const warm = await newPipeline(admin)
  const ops: Operation[] = []
  for (let i = 0; i < N + 200; i++) ops.push(await sign())
  await warm.pipeline.validate(await sign(), { flow })
  const uncached = await timings(N, async (i) => await warm.pipeline.validate(ops[i], { flow }))
  report(print, 'trust pipeline validate, uncached (4 layers, Ed25519 verify)', uncached, 500)
  const sync = await newPipeline(admin, nodeCryptoEd25519)
  await sync.pipeline.validate(await sign(), { flow })
  const syncOps: Operation[] = []
  for (let i = 0; i < 1000 + 200; i++) syncOps.push(await sign())
  report(print, 'trust pipeline validate, uncached, node:crypto verify (comparison)', await timings(1000, async (i) => await sync.pipeline.validate(syncOps[i], { flow })))

  // cold: fresh grants too (every chain verified: 1 + 3 signatures)
  const cold = await newPipeline(admin)
  const coldOps: Operation[] = []
  for (let i = 0; i < 300 + 50; i++) coldOps.push(await sign(await grantsFor(admin, owner, alice)))
  report(print, 'trust pipeline validate, cold (+3 grant chains verified)', await timings(300, async (i) => await cold.pipeline.validate(coldOps[i], { flow }), 50))

  // cached: the admitted operation re-checked before its http step
  const admitted = ops[0]
  const step = flow.steps[0]
  const context = { operation: admitted, flow }
  await warm.pipeline.validateStep(step, context)
  report(print, 'trust pipeline validateStep, cached (same operation object)', await timings(20_000, async () => await warm.pipeline.validateStep(step, context), 2000), 20)
  const copy = { operation: structuredClone(admitted), flow }
  report(print, 'trust pipeline validateStep, cached (equal copy, re-hashed)', await timings(5000, async () => {
    copy.operation = structuredClone(admitted)
    return await warm.pipeline.validateStep(step, copy)
  }, 500))
  const m = warm.pipeline.metrics()
  print(`trust pipeline cache hit rate over this run: ${fmt(m.cache.hitRate * 100)} % (${m.cache.hits} hits, ${m.cache.misses} misses), ${m.accepted} accepted, ${m.rejected} rejected`)
}
