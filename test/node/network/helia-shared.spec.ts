/**
 * One libp2p node for state and work: Helia (bitswap) is built from `nodeLibp2pOptions`, the
 * network node runs on `helia.libp2p`; a step dispatched between two such nodes runs remotely,
 * and a block one of them stored is fetched by CID by the other over bitswap (what a takeover
 * will use to load an execution's state).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { builtinRegistry, localDispatcher } from '../../../src/actions/index.js'
import { libp2pKeyOf } from '../../../src/network/index.js'
import type { QflowLibp2p } from '../../../src/network/index.js'
import { createIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { openNodeStateStore } from '../../../node/platform/helia-node.js'
import type { NodeStateStore } from '../../../node/platform/helia-node.js'
import { nodeLibp2pOptions } from '../../../node/platform/libp2p-node.js'
import { startNetworkNode } from '../../../node/platform/network-node.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'
import { task } from '../../fixtures/engine.js'

/** Helia's type does not list the mixin's `libp2p`; `withLibp2pLight` adds it. */
const libp2pOf = (state: NodeStateStore): QflowLibp2p => (state.helia as unknown as { libp2p: QflowLibp2p }).libp2p

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

async function sharedNode (bootstrap: string[] = [], capabilities: string[] = []): Promise<{ state: NodeStateStore, net: NetworkNode }> {
  const identity = await createIdentity({ backend: nodeEd25519 })
  const dataDir = await mkdtemp(join(tmpdir(), 'qflow-net-'))
  cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const libp2pOptions = nodeLibp2pOptions({ privateKey: await libp2pKeyOf(identity), relay: false,
    connectionLimits: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 } })
  const state = await openNodeStateStore({ dataDir, masterKey: new Uint8Array(32).fill(7), networking: { libp2p: libp2pOptions as any } })
  cleanup.push(async () => { await state.close() })
  const actions = builtinRegistry([{ name: 'test.where', stepTypes: ['task'], run: () => ({ on: identity.peerId }) }])
  const net = await startNetworkNode({
    identity, subnets: ['alpha'], libp2p: libp2pOf(state), bootstrap,
    dispatcher: localDispatcher(actions, { nodeId: identity.peerId }), announceIntervalMs: 500, capabilities
  })
  cleanup.push(async () => { await net.stop() })
  return { state, net }
}

describe('network node on Helia\'s libp2p', () => {
  it('dispatches steps and moves blocks by CID over one libp2p node', async () => {
    const a = await sharedNode()
    const b = await sharedNode(a.net.addresses(), ['only-b'])
    await a.net.presence.waitForNodes('alpha', 2, { signal: AbortSignal.timeout(10_000) })
    expect(a.net.libp2p).toBe(libp2pOf(a.state))

    const result = await a.net.dispatcher.dispatch({
      executionId: 'e1', flowId: 'f1', stepId: 's1', attempt: 1, idempotencyKey: 'e1:s1:1',
      step: task('s1', 'test.where', {}, { requirements: { capabilities: ['only-b'] } }), params: {}
    }, { signal: AbortSignal.timeout(10_000) })
    expect(result).toMatchObject({ nodeId: b.net.peerId, output: { on: b.net.peerId } })
    expect(result.logs[0]).toMatch(/result signature [\w-]{86}$/)

    const bytes = dagCbor.encode({ checkpoint: 'state of e1' })
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await b.state.helia!.blockstore.put(cid, bytes)
    const chunks: Uint8Array[] = []
    for await (const chunk of a.state.helia!.blockstore.get(cid, { signal: AbortSignal.timeout(10_000) })) chunks.push(chunk)
    expect(dagCbor.decode(Buffer.concat(chunks))).toEqual({ checkpoint: 'state of e1' })
  })
})
