/**
 * The tab network's plain parts: its config from the URL, the volunteer ledger and the
 * local-or-remote rule, the WebRTC-first address order, and the libp2p key of a
 * non-extractable identity (what a tab's WebCrypto key gives libp2p).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import type { StepDispatcher, StepRequest } from '../../src/index.js'
import { libp2pSigningKeyOf } from '../../src/network/identity-key.js'
import { createIdentity } from '../../src/trust/index.js'
import { webrtcFirst } from '../../web/kernel/address-order.js'
import { tabNetworkConfig } from '../../web/kernel/network-config.js'
import { runsHere, tabDispatcher, volunteerLedger } from '../../web/kernel/volunteer.js'

const RELAY = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWEzCXg4cqGdxA1JCySnbUoZkPVvqVEUu1B5kqkWNwLPMQ'

const request = (requirements?: StepRequest['step']['requirements']): StepRequest => ({
  executionId: 'exec-1', flowId: 'f', stepId: 's', attempt: 1, idempotencyKey: 'exec-1:s:1', params: {},
  step: { id: 's', type: 'task', action: 'qflow.action.log', params: {}, ...(requirements != null ? { requirements } : {}) } as StepRequest['step']
})

const named = (nodeId: string): StepDispatcher => ({ dispatch: async () => ({ output: nodeId, logs: [], nodeId }) })

describe('tabNetworkConfig', () => {
  it('reads relays, subnets and capabilities from the URL (repeatable), with defaults', () => {
    const c = tabNetworkConfig({ search: `?relay=${encodeURIComponent(RELAY)}&subnet=acme&subnet=beta&capability=gpu`, protocol: 'http:', cores: 4 })
    expect(c).toEqual({ relays: [RELAY], subnets: ['acme', 'beta'], capabilities: ['browser', 'gpu'], maxConcurrent: 3, allowInsecureDial: true })
    const d = tabNetworkConfig({ search: '', protocol: 'https:', builtInRelays: ` ${RELAY} ` })
    expect(d).toMatchObject({ relays: [RELAY], subnets: ['public'], capabilities: ['browser'], maxConcurrent: 1, allowInsecureDial: false })
    expect(tabNetworkConfig({ search: '', protocol: 'https:' }).relays).toEqual([])
  })

  it('names the parameter and the reason of a bad value', () => {
    expect(() => tabNetworkConfig({ search: '?relay=not-an-addr', protocol: 'http:' })).toThrow(/^relay\[0\]: "not-an-addr" is not a multiaddr/)
    expect(() => tabNetworkConfig({ search: '?relay=/ip4/127.0.0.1/tcp/1/ws', protocol: 'http:' })).toThrow('relay[0]: "/ip4/127.0.0.1/tcp/1/ws" must end in /p2p/<relay peer id>')
    expect(() => tabNetworkConfig({ search: '?subnet=a%20b', protocol: 'http:' })).toThrow('subnet[0]: "a b" must be 1-64 letters')
    expect(() => tabNetworkConfig({ search: '?maxConcurrent=0', protocol: 'http:' })).toThrow('maxConcurrent: "0" must be a whole number ≥ 1')
  })
})

describe('volunteer ledger and routing', () => {
  it('counts served steps and their time, newest first, failures included', async () => {
    let t = 0
    let changes = 0
    const failing: StepDispatcher = { dispatch: async () => { t += 5; throw new Error('boom') } }
    const ok: StepDispatcher = { dispatch: async () => { t += 2; return { output: 1, logs: [] } } }
    let local = ok
    const ledger = volunteerLedger({ dispatch: async (r, o) => await local.dispatch(r, o) }, { now: () => t, onChange: () => { changes++ } })
    await ledger.served.dispatch(request(), { signal: AbortSignal.timeout(1000) })
    local = failing
    await expect(ledger.served.dispatch({ ...request(), stepId: 'second' }, { signal: AbortSignal.timeout(1000) })).rejects.toThrow('boom')
    expect([ledger.stepsRun(), ledger.cpuMs(), changes]).toEqual([2, 7, 2])
    expect(ledger.recent().map(s => [s.stepId, s.ok, s.ms])).toEqual([['second', false, 5], ['s', true, 2]])
  })

  it('runs a step here when the tab meets its requirements, otherwise through the network', async () => {
    const tab = { capabilities: ['browser'], cpuCores: 2, memoryMB: 4096 }
    expect(runsHere(request(), tab)).toBe(true)
    expect(runsHere(request({ capabilities: ['browser'], minCpuCores: 2 }), tab)).toBe(true)
    expect(runsHere(request({ capabilities: ['tab-b-only'] }), tab)).toBe(false)
    expect(runsHere(request({ minCpuCores: 8 }), tab)).toBe(false)
    expect(runsHere(request({ minMemoryMB: 8192 }), tab)).toBe(false)
    const d = tabDispatcher(named('here'), named('remote'), tab)
    const signal = AbortSignal.timeout(1000)
    expect((await d.dispatch(request(), { signal })).nodeId).toBe('here')
    expect((await d.dispatch(request({ capabilities: ['tab-b-only'] }), { signal })).nodeId).toBe('remote')
  })
})

describe('addresses and keys', () => {
  it('puts /webrtc addresses first and keeps the order otherwise', () => {
    const circuit = `${RELAY}/p2p-circuit`
    const webrtc = `${RELAY}/p2p-circuit/webrtc`
    expect(webrtcFirst([circuit, webrtc, '/ip4/1.2.3.4/tcp/1/ws'].map(a => multiaddr(a))).map(String)).toEqual([webrtc, circuit, '/ip4/1.2.3.4/tcp/1/ws'])
  })

  it('gives a non-extractable identity a libp2p key that signs through the identity and never shows its bytes', async () => {
    const identity = await createIdentity({ extractable: false })
    const key = await libp2pSigningKeyOf(identity)
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    expect(peerIdFromPrivateKey(key).toString()).toBe(identity.peerId)
    const message = new TextEncoder().encode('noise handshake payload')
    const signature = await key.sign(message)
    expect(await key.publicKey.verify(message, signature)).toBe(true)
    expect(await key.publicKey.verify(new TextEncoder().encode('other'), signature)).toBe(false)
    expect(() => key.raw).toThrow(expect.objectContaining({ name: 'KeyNotExtractableError' }))
    const extractable = await createIdentity()
    expect((await libp2pSigningKeyOf(extractable)).raw.length).toBeGreaterThan(0)
  })
})
