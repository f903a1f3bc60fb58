/**
 * Two tabs and one relay, real parts only: a `qflow relay` process (libp2p WebSockets on
 * 127.0.0.1, circuit-relay server) and two Chromium contexts running the built dashboard with `?relay=`. Tab B lends
 * itself and is the only node with the capability a step of tab A's flow requires: the step runs
 * in B over a direct WebRTC connection, B's panel lists it, A's monitor names B as its node.
 * Switching lending off withdraws B: A no longer finds a node for the step. A step only the
 * relay can run (its `relay-only` capability) runs on the relay's executor, which validates it
 * against the admission the tab signed. A tab whose relay cannot be reached starts all the same
 * and runs its flows locally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { networkStarted, spawnRelay } from '../node/relay/relay-process.js'
import type { RelayProcess } from '../node/relay/relay-process.js'
import { DISPATCH_PROTOCOL } from '../../shared/network.js'
import { openApp, startHarness } from './harness.js'
import type { Harness } from './harness.js'
import { shot } from './helpers.js'

let h: Harness
let relay: RelayProcess
let relayPeer: string
let scratch: string
const contexts: BrowserContext[] = []
let tabA: Page
let tabB: Page
let peerA = ''
let peerB = ''

const FLOW = `id: needs-b
name: needs-b
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - { id: here, type: task, action: qflow.action.log, params: { message: "in A" }, onSuccess: on-b }
  - id: on-b
    type: task
    action: qflow.action.log
    params: { message: "only B can" }
    requirements: { capabilities: [tab-b-only] }
metadata: { tags: [network], category: tests, visibility: private, requiredPermissions: [] }
`

const RELAY_FLOW = `id: needs-relay
name: needs-relay
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - id: on-relay
    type: task
    action: qflow.action.log
    params: { message: "only the relay can" }
    requirements: { capabilities: [relay-only] }
metadata: { tags: [network], category: tests, visibility: private, requiredPermissions: [] }
`

const LOCAL_FLOW = `id: needs-b
name: needs-b
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - { id: here, type: task, action: qflow.action.log, params: { message: "in C" } }
metadata: { tags: [local], category: tests, visibility: private, requiredPermissions: [] }
`

async function openTab (query: string, hash: string): Promise<Page> {
  const context = await h.browser.newContext({ viewport: { width: 1400, height: 900 } })
  contexts.push(context)
  const page = await h.newPage(context)
  page.setDefaultTimeout(15_000)
  await openApp(page, `${h.url}?${query}`, hash)
  return page
}

async function runFlow (page: Page, flowId = 'needs-b'): Promise<void> {
  await page.goto(`${h.url.replace(/\/$/, '')}/${new URL(page.url()).search}#/builder/${flowId}`)
  await page.waitForSelector('[data-testid="builder"] [data-testid="flow-valid"]')
  await page.click('[data-testid="run-flow"]')
  await page.click('[data-testid="start-run"]')
  await page.waitForSelector('[data-testid="run-view"]')
}

beforeAll(async () => {
  h = await startHarness()
  // a real `qflow relay` process: its libp2p WebSocket listener and circuit-relay server on loopback
  scratch = await mkdtemp(join(tmpdir(), 'qflow-lend-'))
  relay = await spawnRelay(['--data', join(scratch, 'relay')], { QFLOW_NETWORKING_CAPABILITIES: 'relay-only' })
  const net = await networkStarted(relay)
  relayPeer = net.peerId
  const relayAddr = (net.addresses as string[]).find(a => a.includes('/ws/'))
  if (relayAddr == null) throw new Error(`the relay has no ws address: ${(net.addresses as string[]).join(', ')}`)
  const relayParam = `relay=${encodeURIComponent(relayAddr)}`
  tabB = await openTab(`${relayParam}&capability=tab-b-only`, '#/nodes')
  tabA = await openTab(relayParam, '#/flows')
  peerA = await tabA.evaluate(() => window.qflow!.node.identity.peerId)
  peerB = await tabB.locator('[data-testid="peer-id"]').textContent() ?? ''
}, 120_000)

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await h?.close()
  await relay?.stop()
  if (scratch != null) await rm(scratch, { recursive: true, force: true })
})

describe('lend this tab', () => {
  it('runs the step only tab B can run in tab B, over WebRTC; A\'s monitor names B', async () => {
    expect(peerB).toMatch(/^12D3KooW/)
    expect(peerB).not.toBe(peerA)
    // B is reachable once the relay reserved a circuit for it (its /webrtc address), then lends itself
    await tabB.waitForSelector('[data-testid="tab-addresses"][data-webrtc="true"]')
    // peers dial the first announced address: the direct /webrtc one, not the relayed circuit
    expect(await tabB.evaluate(() => window.qflow!.node.network!.addresses!()[0])).toMatch(/\/p2p-circuit\/webrtc\/p2p\/12D3KooW/)
    await tabB.check('[data-testid="lend-tab"]')
    await tabB.waitForSelector('[data-testid="lend-panel"][data-lending="true"]')

    // A imports the flow, and learns of B (its signed announcement, relayed by gossip)
    await tabA.click('summary:has-text("Import JSON or YAML")')
    await tabA.fill('textarea[aria-label="Flow text to import"]', FLOW)
    await tabA.click('[data-testid="import-flow"]')
    await tabA.waitForSelector('li[data-flow="needs-b"]')
    await tabA.click('a[href="#/nodes"]')
    await tabA.waitForSelector(`[data-testid="peers"] tr[data-peer="${peerB}"][data-kind="tab"]`)

    await runFlow(tabA)
    // wait for the run to end, whatever its end, so a failure shows the run's own account of it
    await tabA.waitForSelector('[data-testid="run-view"]:is([data-status="completed"], [data-status="failed"], [data-status="aborted"])', { timeout: 30_000 })
    const status = await tabA.getAttribute('[data-testid="run-view"]', 'data-status')
    if (status !== 'completed') expect(await tabA.textContent('[data-testid="run-view"]'), `the run ended ${status ?? ''}`).toBe('completed')
    expect(await tabA.getAttribute('[data-step-row="on-b"] td.node-id', 'data-node')).toBe(peerB)
    expect(await tabA.getAttribute('[data-step-row="here"] td.node-id', 'data-node')).toBe(peerA)
    await shot(tabA, 'lend-tab-a-monitor')

    // the dispatch stream to B runs over a direct WebRTC connection, not the relay's circuit
    const conns: Array<{ addr: string, limited: boolean, dispatch: boolean }> = await tabA.evaluate(({ b, protocol }) => (window.qflow!.node.network as any).libp2p.getConnections()
      .filter((c: any) => c.remotePeer.toString() === b)
      .map((c: any) => ({ addr: c.remoteAddr.toString(), limited: c.limits != null, dispatch: c.streams.some((s: any) => s.protocol === protocol) })), { b: peerB, protocol: DISPATCH_PROTOCOL })
    const dispatching = conns.filter(c => c.dispatch)
    expect(dispatching.length).toBeGreaterThan(0)
    for (const c of dispatching) {
      expect(c.addr).toContain('/webrtc')
      expect(c.limited).toBe(false)
    }
    await tabA.click('a[href="#/nodes"]')
    await tabA.waitForSelector(`[data-testid="peers"] tr[data-peer="${peerB}"][data-transport="webrtc"]`)
    await shot(tabA, 'lend-tab-a-nodes')

    // B's panel shows what it ran for A
    await tabB.waitForSelector('[data-testid="lent-steps"] tr[data-lent-step="on-b"][data-ok="true"]')
    expect(await tabB.textContent('[data-testid="steps-run"]')).toBe('1')
    expect(await tabB.locator('[data-testid="lent-steps"] tr[data-lent-step]').count()).toBe(1)
    await shot(tabB, 'lend-tab-b-panel')
  }, 60_000)

  it('withdraws tab B cleanly when lending is switched off', async () => {
    const serves = async (): Promise<boolean> => await tabB.evaluate(p => (window.qflow!.node.network as any).libp2p.getProtocols().includes(p), DISPATCH_PROTOCOL)
    expect(await serves()).toBe(true)
    await tabB.uncheck('[data-testid="lend-tab"]')
    await tabB.waitForSelector('[data-testid="lend-panel"][data-lending="false"]')
    expect(await serves()).toBe(false)
    // A forgets B once its announcements stop (its presence expiry), so nothing can run the step
    await tabA.click('a[href="#/nodes"]')
    await tabA.waitForSelector(`[data-testid="peers"] tr[data-peer="${peerB}"]:not([data-kind="tab"])`)
    await runFlow(tabA)
    await tabA.waitForSelector('[data-testid="run-view"][data-status="failed"]')
    expect(await tabA.getAttribute('[data-step-row="on-b"]', 'data-status')).toBe('failed')
    await tabA.click('[data-step-row="on-b"] button')
    expect(await tabA.textContent('[data-testid="step-details"]')).toContain('no node of subnet "public" can run step on-b')
    expect(await tabB.textContent('[data-testid="steps-run"]')).toBe('1')
  }, 40_000)

  it('runs a step only the relay can run on the relay, which admits it with the tab\'s signed start', async () => {
    await tabA.click('a[href="#/flows"]')
    await tabA.click('summary:has-text("Import JSON or YAML")')
    await tabA.fill('textarea[aria-label="Flow text to import"]', RELAY_FLOW)
    await tabA.click('[data-testid="import-flow"]')
    await tabA.waitForSelector('li[data-flow="needs-relay"]')
    await runFlow(tabA, 'needs-relay')
    await tabA.waitForSelector('[data-testid="run-view"]:is([data-status="completed"], [data-status="failed"], [data-status="aborted"])', { timeout: 30_000 })
    const status = await tabA.getAttribute('[data-testid="run-view"]', 'data-status')
    if (status !== 'completed') expect(await tabA.textContent('[data-testid="run-view"]'), `the run ended ${status ?? ''}`).toBe('completed')
    expect(await tabA.getAttribute('[data-step-row="on-relay"] td.node-id', 'data-node')).toBe(relayPeer)
    // the relay ran it on the admission tab A signed: the execution's admission names A's identity
    const executionId = decodeURIComponent(new URL(tabA.url()).hash.split('/')[2])
    const actor = await tabA.evaluate(async (id) => {
      const admitted = await window.qflow!.node.admission.admitted(id)
      return admitted?.operation.actor
    }, executionId)
    expect(actor).toBe(await tabA.evaluate(() => window.qflow!.node.identity.id))
  }, 40_000)

  it('starts and runs flows locally when its relay cannot be reached', async () => {
    // the relay's peer id on a port nothing listens on (the discard port): dials are refused
    const unreachable = `relay=${encodeURIComponent(`/ip4/127.0.0.1/tcp/9/ws/p2p/${relayPeer}`)}`
    const tabC = await openTab(unreachable, '#/flows')
    await tabC.click('summary:has-text("Import JSON or YAML")')
    await tabC.fill('textarea[aria-label="Flow text to import"]', LOCAL_FLOW)
    await tabC.click('[data-testid="import-flow"]')
    await tabC.waitForSelector('li[data-flow="needs-b"]')
    await runFlow(tabC)
    await tabC.waitForSelector('[data-testid="run-view"][data-status="completed"]')
    const peerC = await tabC.evaluate(() => window.qflow!.node.identity.peerId)
    expect(await tabC.getAttribute('[data-step-row="here"] td.node-id', 'data-node')).toBe(peerC)
    await tabC.click('a[href="#/nodes"]')
    await tabC.waitForSelector(`[data-testid="peers"] tr[data-peer="${relayPeer}"][data-kind="relay"][data-connected="false"]`)
  }, 40_000)
})
