/**
 * Trust benchmark (issue 5): the validation pipeline, four layers, Ed25519 verification.
 * - Ed25519 verify alone: WebCrypto, @noble/curves, node:crypto (what the Node runtime injects)
 * - `validate` uncached: a fresh signed operation each time (signature, grants with their
 *   chains already verified once, metadata, allow-list, skew, replay, rate limit), with the
 *   node:crypto verifier the Node runtime uses, and with WebCrypto for comparison
 * - `validate` cold: also verifying every grant chain (3 grants: 4 more signatures)
 * - `validateStep` cached: the same admitted operation re-checked before a step, the same
 *   object (hash memoised) and a structurally equal copy (re-hashed)
 * - the Node runtime: an admitted start (signed by the node, validated, stored with the
 *   execution) against the engine's own start without admission, in the same process
 * Operations are signed before timing; every figure is measured on this machine at run time.
 */
import type { FlowDefinition } from '../../shared/flow.js'
import type { Operation, SignedGrant } from '../../shared/trust.js'
import {
  createIdentity, createTrustPipeline, issueGrant, nobleEd25519, signatureVerifier, signOperation, webCryptoEd25519
} from '../../src/trust/index.js'
import type { Ed25519Backend, SquidIdentity, TrustPipeline } from '../../src/trust/index.js'
import { nodeEd25519 } from '../../node/platform/ed25519-node.js'
import { createNodeRuntime } from '../../node/runtime.js'
import { figure, fmt, percentile } from './stats.js'

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
  for (const backend of [webCryptoEd25519, nobleEd25519, nodeEd25519]) {
    const verifier = await signatureVerifier({ backend })
    report(print, `trust ed25519 verify (${backend.name})`, await timings(backend === nobleEd25519 ? 300 : 2000, async () => await verifier.verify(alice.id, sig, message)))
  }

  // uncached: a fresh operation each time, grant chains verified once beforehand
  // steady state: the first few thousand validations still tier up the JIT (measured: p99 ~4 ms after
  // 200 warm-up operations, ~0.5 ms after 10,000), and a node validates far more than that
  const N = 2000
  const WARM = 10_000
  const warm = await newPipeline(admin, nodeEd25519)
  const ops: Operation[] = []
  for (let i = 0; i < N + WARM; i++) ops.push(await sign())
  await warm.pipeline.validate(await sign(), { flow })
  const uncached = await timings(N, async (i) => await warm.pipeline.validate(ops[i], { flow }), WARM)
  report(print, 'trust pipeline validate, uncached (4 layers, node:crypto Ed25519 verify, as the Node runtime)', uncached, 500)
  const web = await newPipeline(admin, webCryptoEd25519)
  await web.pipeline.validate(await sign(), { flow })
  const webOps: Operation[] = []
  for (let i = 0; i < 1000 + WARM; i++) webOps.push(await sign())
  const webUs = await timings(1000, async (i) => await web.pipeline.validate(webOps[i], { flow }), WARM)
  report(print, 'trust pipeline validate, uncached, WebCrypto verify (comparison)', webUs)
  print(`trust pipeline validate uncached p99, WebCrypto / node:crypto: ${fmt(percentile(webUs, 99) / percentile(uncached, 99))}x`)

  // cold: fresh grants too (every chain verified: 1 + 3 signatures)
  const cold = await newPipeline(admin, nodeEd25519)
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
  await benchAdmission(print)
  const m = warm.pipeline.metrics()
  print(`trust pipeline cache hit rate over this run: ${fmt(m.cache.hitRate * 100)} % (${m.cache.hits} hits, ${m.cache.misses} misses), ${m.accepted} accepted, ${m.rejected} rejected`)
}

/** Admission as the Node runtime does it, against the bare engine start it wraps (in memory, nothing runs: the step waits). */
export async function benchAdmission (print: (line: string) => void): Promise<void> {
  const runtime = await createNodeRuntime({ sandbox: false, maxConcurrentFlows: 1e6, finishedCacheSize: 10 })
  try {
    await runtime.engine.registerFlow({ ...benchFlow('local'), id: 'parked', steps: [{ id: 'wait', type: 'task', action: 'qflow.action.delay', params: { ms: 3_600_000 } }], metadata: { tags: ['bench'], category: 'bench', visibility: 'public', requiredPermissions: [] } })
    const bare = Object.getPrototypeOf(runtime.engine).startExecution as typeof runtime.engine.startExecution
    const admitted = await timings(1000, async (i) => await runtime.engine.startExecution('parked', { inputData: { i } }))
    const plain = await timings(1000, async (i) => await bare.call(runtime.engine, 'parked', { inputData: { i } }))
    report(print, 'trust runtime start, admitted (node-signed, validated)', admitted)
    report(print, 'trust runtime start, bare engine (comparison)', plain)
    print(`trust runtime start p50, admitted / bare: ${fmt(percentile(admitted, 50) / percentile(plain, 50))}x`)
  } finally {
    await runtime.close()
  }
}
