/**
 * Nodes for the peer-trust tests (real libp2p on 127.0.0.1): runtimes in memory on the network
 * that run `test.count` steps, and bare coordinators (no pipeline) that sign dispatch envelopes
 * while the test builds the admissions.
 */
import { startNetworkNode } from '../../../node/platform/network-node.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import type { StepRequest } from '../../../src/interface/dispatcher.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { LOOPBACK_LIMITS } from './cluster.js'

export const HOUR = 3_600_000

/** What `test.count` ran: how often, and with which params when `params` is given. */
export interface Runs { n: number, params?: unknown[] }

/** A runtime in memory on subnet `alpha` that runs `test.count` steps (capability `runner` when `runs`). */
export async function runtimeNode (cleanup: Array<() => Promise<void>>, bootstrap: string[], options: { runs?: Runs, authorities?: string[] } = {}): Promise<NodeRuntime> {
  const runtime = await createNodeRuntime({
    sandbox: false,
    ...(options.authorities != null ? { trust: { authorities: options.authorities } } : {}),
    network: {
      subnets: ['alpha'], listen: ['/ip4/127.0.0.1/tcp/0/ws'], relay: false, bootstrap, announceIntervalMs: 300, connectionLimits: LOOPBACK_LIMITS,
      capabilities: options.runs != null ? ['runner'] : [], remote: { maxAttempts: 1, silenceMs: 1500 }
    }
  })
  cleanup.push(async () => { await runtime.close() })
  const runs = options.runs ?? { n: 0 }
  runtime.actions.register({ name: 'test.count', stepTypes: ['task'], run: (params) => { runs.params?.push(params); return { run: ++runs.n } } })
  return runtime
}

/** A bare coordinator (no pipeline) on subnet `alpha`, once it sees one executor. */
export async function bareCoordinator (cleanup: Array<() => Promise<void>>, identity: SquidIdentity, bootstrap: string[]): Promise<NetworkNode> {
  const node = await startNetworkNode({
    identity, subnets: ['alpha'], relay: false, bootstrap, announceIntervalMs: 300, connectionLimits: LOOPBACK_LIMITS, remote: { maxAttempts: 1, silenceMs: 1500 }
  })
  cleanup.push(async () => { await node.stop() })
  await node.presence.waitForNodes('alpha', 1, { signal: AbortSignal.timeout(15_000) })
  return node
}

/** Dispatches `r` from `node`; resolves with the result, or with the error the dispatch ended in. */
export const send = async (node: NetworkNode, r: StepRequest): Promise<unknown> =>
  await node.dispatcher.dispatch(r, { signal: AbortSignal.timeout(15_000) }).catch((err: unknown) => err)
