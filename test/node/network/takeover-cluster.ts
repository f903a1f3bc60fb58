/**
 * Networked Node runtimes on data directories (real libp2p on 127.0.0.1, port 0; Helia + bitswap
 * on the same node), all members of one DAO subnet, for coordinator-takeover tests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentity, signPolicy } from '../../../src/trust/index.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import { flow, task } from '../../fixtures/engine.js'
import { LOOPBACK_LIMITS } from './cluster.js'

export const SUBNET = 'alpha'

/** Takes the event `go` between two steps: an execution that stays live, with a checkpoint, until it is told. */
export const waitingFlow = flow([
  task('first', 'qflow.action.transform', { output: { n: 1 } }),
  { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'go' } },
  task('last', 'qflow.action.transform', { output: { first: '${steps.first.output.n}', got: '${steps.wait.output}' } })
], { id: 'waits-for-go' })

export interface TakeoverNode { runtime: NodeRuntime, dataDir: string, peerId: string }

/**
 * Start options for `runtime.start`: signed by the node itself, with its self-grant. No
 * `trust.authorities` are configured: the other members accept the steps of an execution a
 * member admitted (peer authority), on an executor and on a successor alike.
 */
export const asNode = {}
/** @deprecated starts are node-signed now (`asNode`); kept for tests written against the operator setup. */
export const asOperator = asNode

/** Starts `count` runtimes; each after the first bootstraps to the first. `admin` signs the subnet's DAO policy naming them all. */
export async function startRuntimes (count: number, cleanup: Array<() => Promise<void>>): Promise<TakeoverNode[]> {
  const nodes: TakeoverNode[] = []
  for (let i = 0; i < count; i++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'qflow-takeover-'))
    cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
    const runtime = await openRuntime(dataDir, nodes[0]?.runtime.network?.addresses() ?? [])
    cleanup.push(async () => { await runtime.close() })
    nodes.push({ runtime, dataDir, peerId: runtime.identity.peerId })
  }
  const admin = await createIdentity({ name: 'admin' })
  await publishMembers(nodes.map(n => n.runtime), nodes.map(n => n.runtime.identity), admin)
  await Promise.all(nodes.map(async n => { await n.runtime.network!.presence.waitForNodes(SUBNET, count, { signal: AbortSignal.timeout(15_000) }) }))
  return nodes
}

export async function openRuntime (dataDir: string, bootstrap: string[]): Promise<NodeRuntime> {
  return await createNodeRuntime({
    dataDir,
    sandbox: false,
    network: { subnets: [SUBNET], listen: ['/ip4/127.0.0.1/tcp/0/ws'], relay: false, bootstrap, announceIntervalMs: 300, leaseMs: 900, connectionLimits: LOOPBACK_LIMITS }
  })
}

export async function publishMembers (runtimes: NodeRuntime[], members: SquidIdentity[], admin: SquidIdentity): Promise<void> {
  const signed = await signPolicy({
    subnet: SUBNET, version: 1, members: [admin.id, ...members.map(m => m.id)], admins: [admin.id], adminQuorum: 1,
    allowedActions: ['qflow.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 0
  } as any, [admin])
  for (const r of runtimes) await r.trust.dao.publish(signed)
}

/** Resolves with the first event of `type` on `target` matching. */
export async function nextEvent<T> (target: EventTarget, type: string, match: (detail: T) => boolean = () => true, signal = AbortSignal.timeout(20_000)): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const on = (e: Event): void => {
      const d = (e as CustomEvent<T>).detail
      if (!match(d)) return
      target.removeEventListener(type, on)
      resolve(d)
    }
    target.addEventListener(type, on)
    signal.addEventListener('abort', () => { target.removeEventListener(type, on); reject(new Error(`no ${type} event: ${String(signal.reason)}`)) }, { once: true })
  })
}
