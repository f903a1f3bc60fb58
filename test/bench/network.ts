/**
 * Network benchmark (issue 7), real libp2p nodes on 127.0.0.1 (WebSockets) in this process:
 * - dispatch round trip coordinator → executor → coordinator over `/qflow/dispatch/1.0.0`
 *   (sign request, verify, run a no-op action, sign result, verify): p50 / p99
 * - a 40-step flow whose steps all run remotely (engine + remote dispatcher): ms per step
 * - node selection among 10,000 known nodes: µs per `select` (no filter / with a capability)
 * - dispatch p50 with 3, 25, 50 and 100 executor nodes in the process, and the 100/3 ratio
 * - lease renewals of 1,000 held executions: messages/s and process CPU, per-lease vs batched
 * Bounded: fixed counts, every node stopped at the end (well under 2 minutes here).
 */
import '../../node/platform/network-polyfills.js'
import type { NodeSelectionCriteria, QNETNode } from '../../shared/network.js'
import type { ActionDefinition } from '../../src/interface/action.js'
import type { StepRequest } from '../../src/interface/dispatcher.js'
import { coordinatorLeases, leasesTopic, LEASES_PER_BATCH, nodeSelector } from '../../src/network/index.js'
import type { CoordinatorLeases, Lease } from '../../src/network/index.js'
import { flow, run, task } from '../fixtures/engine.js'
import { startCluster, startExecutor } from '../node/network/cluster.js'
import type { Cluster } from '../node/network/cluster.js'
import type { NetworkNode } from '../../node/platform/network-node.js'
import { openNodeTrust } from '../../node/platform/trust-node.js'
import { nodeEd25519 } from '../../node/platform/ed25519-node.js'
import { systemClock } from '../../src/interface/clock.js'
import { createIdentity, issueGrant, signatureVerifier, signStart, validatePeerStep } from '../../src/trust/index.js'
import type { SquidIdentity } from '../../src/trust/index.js'
import { startNetworkNode } from '../../node/platform/network-node.js'
import { figure, fmt, percentile } from './stats.js'

const noop: ActionDefinition = { name: 'bench.noop', stepTypes: ['task'], run: (params) => ({ ok: true, n: params.n }) }

let seq = 0
/** A no-op step; with `admission`, the execution's admission travels with it (as from a runtime). */
let admission: StepRequest['admission']
const request = (): StepRequest => {
  const i = ++seq
  // with an admission: the 10 steps of its flow in turn, each attempt a new idempotency key
  const stepId = admission != null ? `t${i % 10}` : `s${i}`
  return { executionId: 'bench', flowId: 'bench', stepId, attempt: 1, idempotencyKey: `bench:s${i}:1`, step: task(stepId, 'bench.noop'), params: { n: i }, ...(admission != null ? { admission } : {}) }
}

/**
 * The same round trip with the trust checks a runtime's executor makes: the admission (signed
 * start operation + flow) travels with each step and the executor runs `validatePeerStep`
 * against its own pipeline (a 10-step flow; validateStep caches per operation and step, as in a long run).
 */
async function trustedRoundTrip (print: (line: string) => void, bare: number[]): Promise<void> {
  const trust = await openNodeTrust({ clock: systemClock() })
  const actor = await createIdentity({ backend: nodeEd25519 })
  const grant = await issueGrant(actor, { audience: actor.id, resource: '*', action: '*', ttlMs: 3_600_000 })
  const steps = Array.from({ length: 10 }, (_, i) => task(`t${i}`, 'bench.noop'))
  const flowDef = flow(steps, { id: 'bench', owner: actor.id })
  admission = { operation: await signStart(actor, { flowId: 'bench', flow: flowDef, executionId: 'bench', inputData: {}, grants: [grant] }), flow: flowDef, admittedBy: actor.id }
  const authorize = async (payload: any, envelope: { actor: string }): Promise<void> => { await validatePeerStep({ pipeline: trust.trust.pipeline, isMember: () => true, self: trust.identity.id }, payload, envelope.actor) }
  const cluster = await startCluster({ executors: [{ actions: [noop], authorize }] })
  try {
    const r = await dispatchTimes(cluster, 500, 50)
    print(figure('dispatch round trip, 2 nodes, admission carried and validated by the executor, p50', percentile(r.ms, 50), 'ms', { op: '<=', value: 3 }) + failures(r))
    print(figure('dispatch round trip, 2 nodes, admission carried and validated by the executor, p99', percentile(r.ms, 99), 'ms'))
    print(`dispatch round trip p50, validated / bare (same run): ${fmt(percentile(r.ms, 50) / percentile(bare, 50))} x`)
  } finally {
    admission = undefined
    await cluster.stop()
    await trust.close()
  }
}

/** Round trips in ms (sorted) and how many dispatches failed (they are not timed). */
async function dispatchTimes (cluster: Cluster, n: number, warmup: number): Promise<{ ms: number[], failed: number, firstError: string }> {
  const signal = new AbortController().signal
  let failed = 0
  let firstError = ''
  const fail = (err: any): void => { failed++; firstError ||= `${String(err?.name)}: ${String(err?.message)}` }
  for (let i = 0; i < warmup; i++) await cluster.coordinator.dispatcher.dispatch(request(), { signal }).catch(fail)
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    try {
      await cluster.coordinator.dispatcher.dispatch(request(), { signal })
      ms.push(performance.now() - t)
    } catch (err) {
      fail(err)
    }
  }
  return { ms: ms.sort((a, b) => a - b), failed, firstError }
}

const failures = (r: { failed: number, firstError: string }): string => r.failed > 0 ? ` (${r.failed} dispatches failed, first: ${r.firstError.slice(0, 160)})` : ''

function selectionBench (print: (line: string) => void): void {
  const s = nodeSelector()
  const caps = Array.from({ length: 20 }, (_, i) => `cap${i}`)
  let x = 42
  const rnd = (): number => { x = (x * 1103515245 + 12345) % 2 ** 31; return x / 2 ** 31 }
  for (let i = 0; i < 10_000; i++) {
    const node: QNETNode = {
      nodeId: `node-${i}`, identity: `did:key:node-${i}`, address: '', capabilities: caps.filter(() => rnd() < 0.3),
      performanceScore: rnd(), currentLoad: rnd(), latency: Math.round(rnd() * 200), daoSubnets: ['alpha'],
      lastSeen: new Date(0).toISOString(), reputation: 0.5 + rnd() / 2
    }
    s.upsert(node)
  }
  const base: NodeSelectionCriteria = { daoSubnet: 'alpha', requiredCapabilities: [], minPerformanceScore: 0.2, maxLatency: 150, resourceRequirements: {} }
  const cases: Array<[string, NodeSelectionCriteria]> = [['no capability filter', base], ['requiring 1 capability', { ...base, requiredCapabilities: ['cap3'] }]]
  for (const [name, criteria] of cases) {
    for (let i = 0; i < 200; i++) s.select(criteria)
    const us: number[] = []
    for (let i = 0; i < 2000; i++) {
      const t = performance.now()
      s.select({ ...criteria, excludeNodes: [`node-${i}`] })
      us.push((performance.now() - t) * 1000)
    }
    us.sort((a, b) => a - b)
    print(figure(`selection among 10,000 nodes, ${name}, p50`, percentile(us, 50), 'µs', { op: '<=', value: 100 }))
    print(figure(`selection among 10,000 nodes, ${name}, p99`, percentile(us, 99), 'µs'))
  }
}

export async function benchNetwork (print: (line: string) => void): Promise<void> {
  selectionBench(print)

  // two nodes: round trip
  let bare: number[] = []
  let cluster = await startCluster({ executors: [{ actions: [noop] }] })
  try {
    const r = await dispatchTimes(cluster, 500, 50)
    const ms = r.ms
    print(figure('dispatch round trip, 2 nodes on loopback, p50', percentile(ms, 50), 'ms', { op: '<=', value: 3 }) + failures(r))
    print(figure('dispatch round trip, 2 nodes on loopback, p99', percentile(ms, 99), 'ms'))
    bare = ms
  } finally {
    await cluster.stop()
  }
  await trustedRoundTrip(print, bare)

  // a 40-step flow, every step remote (3 executors)
  cluster = await startCluster({ executors: [{ actions: [noop] }, { actions: [noop] }, { actions: [noop] }] })
  try {
    const steps = Array.from({ length: 40 }, (_, i) => task(`s${i}`, 'bench.noop', { n: i }))
    await run(cluster.engine, flow(steps))
    const t = performance.now()
    const state = await run(cluster.engine, flow(steps))
    const total = performance.now() - t
    if (state.status !== 'completed') throw new Error(`bench flow ${state.status}`)
    const nodes = new Set(Object.values(state.nodeAssignments)).size
    print(figure(`40-step flow, all steps remote (${nodes} executors used)`, total / 40, 'ms/step'))
  } finally {
    await cluster.stop()
  }

  // dispatch latency as the process holds more nodes
  // 100 nodes share this process's one event loop: they announce every 5 s (the coordinator
  // forgets a node after 3 silent periods), as 100 separate processes would not need to
  // and dial only the coordinator (connectTo 0) instead of a mesh
  const quiet = { actions: [noop], announceIntervalMs: 5000, connectTo: 0 }
  cluster = await startCluster({ executors: [quiet, quiet, quiet] })
  const more: NetworkNode[] = []
  try {
    const p50s = new Map<number, number>()
    for (const size of [3, 25, 50, 100]) {
      while (cluster.executors.length + more.length < size) {
        const batch = Math.min(5, size - cluster.executors.length - more.length)
        more.push(...await Promise.all(Array.from({ length: batch }, async () => await startExecutor(quiet, cluster!.coordinator.addresses()))))
      }
      // bounded: measure with the nodes the coordinator knows after 30 s at most, and say so
      await cluster.coordinator.presence.waitForNodes('alpha', size, { signal: AbortSignal.timeout(30_000) }).catch(() => {})
      const known = cluster.coordinator.selector.size
      const r = await dispatchTimes(cluster, 200, 30)
      const ms = r.ms
      p50s.set(size, percentile(ms, 50))
      print(figure(`dispatch with ${size} nodes in the process, p50`, percentile(ms, 50), 'ms') + `, p99 ${fmt(percentile(ms, 99))} ms` +
        (known < size ? ` (coordinator knew ${known} of ${size} nodes)` : '') + failures(r))
    }
    const ratio = p50s.get(100)! / p50s.get(3)!
    print(figure('dispatch p50 ratio, 100 nodes / 3 nodes', ratio, '×', { op: '<=', value: 1.5 }))
  } finally {
    await Promise.allSettled(more.map(async n => await n.stop()))
    await cluster.stop()
  }

  await benchLeases(print)
}

// `npx tsx test/bench/network.ts` runs this suite alone
if (import.meta.url === `file://${process.argv[1]}`) {
  await benchNetwork(line => { process.stdout.write(line + '\n') })
  process.exit(0)
}

/**
 * Lease renewals of a relay that holds 1,000 long-running executions, with one peer on loopback
 * (both in this process): messages/s the holder publishes and the process's CPU ms per second
 * (signing, gossip, the peer's verification), one signed message per lease (`batchSize: 1`, the
 * unbatched wire's cost) against batches of ≤ 500, over the same fixed window in one run.
 */
export async function benchLeases (print: (line: string) => void, options: { leases?: number, windowMs?: number } = {}): Promise<void> {
  const count = options.leases ?? 1000
  const windowMs = options.windowMs ?? 6000
  const clock = systemClock()
  const limits = { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 }
  const holderIdentity = await createIdentity({ backend: nodeEd25519 })
  const peerIdentity = await createIdentity({ backend: nodeEd25519 })
  const holderNode = await startNetworkNode({ identity: holderIdentity, subnets: ['alpha'], relay: false, connectionLimits: limits })
  const peerNode = await startNetworkNode({ identity: peerIdentity, subnets: ['alpha'], relay: false, connectionLimits: limits, bootstrap: holderNode.addresses() })
  // neither node takes leases over: a renewal that arrives late must not turn into a takeover here
  const nobody = { getAvailableNodes: async () => [] }
  const ids = Array.from({ length: count }, (_, i) => `bench-exec-${i}`)
  const measured: Array<{ messages: number, leases: number, cpu: number }> = []
  try {
    for (const batchSize of [1, LEASES_PER_BATCH]) {
      const subnet = `lease-bench-${batchSize}`
      const topic = leasesTopic(subnet)
      const make = async (node: NetworkNode, identity: SquidIdentity): Promise<CoordinatorLeases> =>
        coordinatorLeases({ subnet, batchSize, eligible: false }, { libp2p: node.libp2p, identity, verifier: await signatureVerifier({ backend: nodeEd25519 }), selector: nobody, clock })
      const holder = await make(holderNode, holderIdentity)
      const peer = await make(peerNode, peerIdentity)
      try {
        const subscribed = new Promise<void>(resolve => {
          const check = (): void => {
            if (!holderNode.libp2p.services.pubsub.getSubscribers(topic).some(p => p.toString() === peerNode.peerId)) return
            holderNode.libp2p.services.pubsub.removeEventListener('subscription-change', check)
            resolve()
          }
          holderNode.libp2p.services.pubsub.addEventListener('subscription-change', check)
          check()
        })
        holder.start()
        peer.start()
        await subscribed
        // the window starts once the peer has seen every lease held, then renewed once (a round just ended)
        const renewedAll = new Promise<void>(resolve => {
          const first = new Map<string, number>()
          const renewed = new Set<string>()
          const on = (evt: Event): void => {
            const { executionId, expiresAt } = (evt as CustomEvent<Lease>).detail
            const was = first.get(executionId)
            if (was == null) first.set(executionId, expiresAt); else if (expiresAt > was) renewed.add(executionId)
            if (renewed.size === count) { peer.removeEventListener('lease:updated', on); resolve() }
          }
          peer.addEventListener('lease:updated', on)
        })
        await Promise.all(ids.map(async id => await holder.hold(id, 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')))
        await renewedAll
        const before = { published: holder.stats(), received: peer.stats(), cpu: process.cpuUsage(), t: performance.now() }
        await new Promise(resolve => setTimeout(resolve, windowMs)) // the fixed measurement window
        const cpu = process.cpuUsage(before.cpu)
        const s = (performance.now() - before.t) / 1000
        const messages = (holder.stats().published - before.published.published) / s
        const leases = (peer.stats().receivedLeases - before.received.receivedLeases) / s
        measured.push({ messages, leases, cpu: (cpu.user + cpu.system) / 1000 / s })
        const mode = batchSize === 1 ? 'one message per lease' : `batches of <= ${batchSize}`
        print(figure(`lease renewals, ${count} held leases + 1 peer, ${mode}: messages published`, messages, 'msg/s') +
          `, leases renewed at the peer ${fmt(leases)}/s, process CPU ${fmt(measured[measured.length - 1].cpu)} ms/s`)
      } finally {
        holder.stop()
        peer.stop()
      }
    }
    const [single, batched] = measured
    print(`lease renewals, ${count} held leases: messages/s, one per lease / batched (same run): ${fmt(single.messages / batched.messages)} x`)
    print(`lease renewals, ${count} held leases: process CPU ms/s, one per lease / batched (same run): ${fmt(single.cpu / batched.cpu)} x`)
    // per lease the peer saw renewed: fair when the unbatched holder cannot keep up with its renewals
    print(`lease renewals, ${count} held leases: CPU ms per 1,000 renewals seen by the peer, one per lease ${fmt(single.cpu / single.leases * 1000)}, batched ${fmt(batched.cpu / batched.leases * 1000)}: ${fmt((single.cpu / single.leases) / (batched.cpu / batched.leases))} x`)
  } finally {
    await Promise.allSettled([peerNode.stop(), holderNode.stop()])
  }
}
