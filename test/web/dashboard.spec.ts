/**
 * The dashboard end to end in Debian's Chromium: the built app served on 127.0.0.1, a flow
 * built with clicks and drags only, run to completion, then the tab reloaded. Screenshots of
 * the main views go to `.artifacts/screenshots/`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { openApp, startHarness } from './harness.js'
import type { Harness } from './harness.js'
import { addStep, connect, drag, flowFromText, flowText, shot } from './helpers.js'

let h: Harness
let context: BrowserContext
let page: Page
const built: { flowId?: string, executionId?: string, identity?: string } = {}

beforeAll(async () => {
  h = await startHarness()
  context = await h.browser.newContext({ viewport: { width: 1400, height: 900 } })
  page = await h.newPage(context)
  page.setDefaultTimeout(15_000)
}, 90_000)

afterAll(async () => { await h?.close() })

describe('dashboard', () => {
  it('builds a three-step flow with clicks and drags, runs it to completion, and shows it as text', async () => {
    await openApp(page, h.url)
    await page.click('[data-testid="new-flow"]')
    await page.waitForSelector('[data-testid="builder"]')
    built.flowId = decodeURIComponent(new URL(page.url()).hash.split('/')[2])
    await addStep(page, 'qflow.trigger.manual')
    await addStep(page, 'qflow.action.log')
    await addStep(page, 'qflow.action.transform')

    await connect(page, 'log-1', 'success', 'transform-1')
    await page.waitForFunction(() => (document.querySelector('[data-testid="flow-text"]') as HTMLTextAreaElement).value.includes('onSuccess: transform-1'))
    await connect(page, 'manual-1', 'failure', 'transform-1')
    await page.waitForSelector('path[data-edge="manual-1->transform-1"][data-kind="failure"]')
    await drag(page, 'g[data-step="transform-1"] text.step-id', { dx: 120, dy: 20 })
    await page.waitForSelector('[data-testid="flow-valid"]')
    await shot(page, 'builder')

    const doc = await flowFromText(page)
    expect(doc.steps.map((s: any) => [s.id, s.type, s.action])).toEqual([
      ['manual-1', 'event-trigger', 'qflow.trigger.manual'],
      ['log-1', 'task', 'qflow.action.log'],
      ['transform-1', 'task', 'qflow.action.transform']
    ])
    expect(doc.steps[1].onSuccess).toBe('transform-1')
    expect(doc.steps[0].onFailure).toBe('transform-1')

    await page.click('[data-testid="run-flow"]')
    await page.click('[data-testid="start-run"]')
    await page.waitForSelector('[data-testid="run-view"][data-status="completed"]')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-view"] g.step[data-status="completed"]').length === 3)
    expect(await page.locator('[data-testid="timeline"] tr[data-status="completed"]').count()).toBe(3)
    built.executionId = decodeURIComponent(new URL(page.url()).hash.split('/')[2])
    await page.click('[data-step-row="log-1"] button')
    expect(await page.locator('[data-testid="step-output"]').textContent()).toContain('Hello world')
    await shot(page, 'run-monitor')

    // the stored flow is the one the text view shows
    await page.goto(`${h.url}#/builder/${encodeURIComponent(built.flowId)}`)
    await page.waitForSelector('[data-testid="builder"] g[data-step="transform-1"]')
    expect((await flowFromText(page)).steps).toEqual(doc.steps)
  })

  it('keeps identity, flows and execution history across a reload; a second tab gets its own identity', async () => {
    await openApp(page, h.url, '#/nodes')
    built.identity = await page.locator('[data-testid="identity-id"]').textContent() ?? ''
    expect(built.identity).toMatch(/^did:key:z6Mk/)
    await page.waitForSelector('[data-testid="no-relay"]')
    await shot(page, 'nodes')

    await page.reload()
    await page.waitForSelector('.app[data-ready="true"]')
    expect(await page.locator('[data-testid="identity-id"]').textContent()).toBe(built.identity)
    await page.goto(`${h.url}#/flows`)
    await page.waitForSelector(`li[data-flow="${built.flowId}"]`)
    await shot(page, 'flows')
    await page.goto(`${h.url}#/runs`)
    await page.waitForSelector(`tr[data-execution="${built.executionId}"] [data-status="completed"]`)
    await shot(page, 'runs')
    await page.goto(`${h.url}#/runs/${encodeURIComponent(built.executionId!)}`)
    await page.waitForSelector('[data-testid="run-view"][data-status="completed"]')

    const other = await h.newPage(context)
    await openApp(other, h.url, '#/nodes')
    const otherId = await other.locator('[data-testid="identity-id"]').textContent()
    expect(otherId).toMatch(/^did:key:z6Mk/)
    expect(otherId).not.toBe(built.identity)
    await other.close()
  })

  it('shows invalid input at the right place in the form and the text view, and loses no work', async () => {
    await openApp(page, h.url)
    await page.click('[data-testid="new-flow"]')
    await page.waitForSelector('[data-testid="builder"]')
    await addStep(page, 'qflow.trigger.manual')
    await addStep(page, 'qflow.action.log')
    await page.click('g[data-step="log-1"] text.step-id')
    await page.fill('#field-timeout', 'soon')
    const fieldError = page.locator('.field[data-field="timeout"] .field-error')
    await fieldError.waitFor()
    expect(await fieldError.textContent()).toContain('steps[1].timeout')
    await page.waitForSelector('g[data-step="log-1"][data-invalid="true"]')
    expect(await page.locator('g[data-step="manual-1"][data-invalid="true"]').count()).toBe(0)
    expect(await page.inputValue('#field-timeout')).toBe('soon')
    expect(await page.isDisabled('[data-testid="save-flow"]')).toBe(true)

    // text that does not parse: the error names its line, the text and the graph stay
    const good = await flowText(page)
    const lines = good.split('\n')
    const broken = [...lines.slice(0, 3), 'name: [unclosed', ...lines.slice(3)].join('\n')
    await page.fill('[data-testid="flow-text"]', broken)
    const textError = page.locator('[data-testid="text-error"]')
    await textError.waitFor()
    expect(Number(await textError.getAttribute('data-line'))).toBeGreaterThanOrEqual(4)
    expect(await flowText(page)).toBe(broken)
    expect(await page.locator('g.step').count()).toBe(2)
    await shot(page, 'builder-invalid')

    // an edit elsewhere does not overwrite the broken text; fixing it syncs the builder
    await page.fill('[data-testid="flow-text"]', good.replace('timeout: soon', 'timeout: 5000'))
    await page.waitForSelector('[data-testid="text-error"]', { state: 'detached' })
    await page.waitForSelector('[data-testid="flow-valid"]')
    expect(await page.inputValue('#field-timeout')).toBe('5000')

    // undo brings back the invalid value; a reload restores the unsaved draft
    await page.click('button[title^="Undo"]')
    await page.waitForFunction(() => (document.querySelector('#field-timeout') as HTMLInputElement).value === 'soon')
    await page.reload()
    await page.waitForSelector('[data-testid="builder"] g[data-step="log-1"][data-invalid="true"]')
    expect(await flowText(page)).toContain('timeout: soon')
  })

  it('can be driven from the keyboard: palette, step focus, delete, undo and redo', async () => {
    await openApp(page, h.url)
    await page.click('[data-testid="new-flow"]')
    await page.waitForSelector('[data-testid="builder"]')
    await page.focus('.palette-item[data-action="qflow.trigger.manual"]')
    await page.keyboard.press('Enter')
    await page.focus('.palette-item[data-action="qflow.action.log"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('g[data-step="log-1"]')
    await page.focus('g[data-step="log-1"]')
    await page.keyboard.press('Delete')
    await page.waitForSelector('g[data-step="log-1"]', { state: 'detached' })
    await page.focus('g[data-step="manual-1"]')
    await page.keyboard.press('Control+z')
    await page.waitForSelector('g[data-step="log-1"]')
    await page.focus('g[data-step="manual-1"]')
    await page.keyboard.press('Control+y')
    await page.waitForSelector('g[data-step="log-1"]', { state: 'detached' })
    expect((await flowFromText(page)).steps.map((s: any) => s.id)).toEqual(['manual-1'])
  })

  it('shows an attached network in the Nodes view and lends the tab through it', async () => {
    await openApp(page, h.url, '#/nodes')
    await page.waitForSelector('[data-testid="no-relay"]')
    // a stand-in for the libp2p network: the seam the network layer plugs into
    await page.evaluate(`(() => {
      const net = new EventTarget()
      let lending = false
      net.peers = () => [
        { id: '12D3KooWrelayrelayrelayrelay', kind: 'relay', latencyMs: 3 },
        { id: '12D3KooWtabBtabBtabBtabBtab', kind: 'tab', load: 0.25, latencyMs: 9, reputation: 0.9, subnets: ['dao.x'] }
      ]
      net.volunteer = () => ({ lending, stepsRun: 0, cpuMs: 0 })
      net.setLending = async (on) => { lending = on; net.dispatchEvent(new Event('change')) }
      window.qflow.node.attachNetwork(net)
    })()`)
    await page.waitForSelector('[data-testid="no-relay"]', { state: 'detached' })
    await page.waitForSelector('td:has-text("dao.x")')
    expect(await page.textContent('[data-testid="relay-status"]')).toBe('network on')
    await page.check('label:has-text("Lend this tab") input')
    await page.waitForFunction(() => (window as any).qflow.node.network.volunteer().lending === true)
    await shot(page, 'nodes-network')
  })

  it('renders the DAO and metrics views', async () => {
    await openApp(page, h.url, '#/dao')
    await page.fill('input[aria-label="New subnet name"]', 'dao.test')
    await page.click('text=Create subnet')
    await page.waitForSelector('article[data-subnet="dao.test"]')
    await shot(page, 'dao')
    await page.reload() // the charts start from the stored history
    await openApp(page, h.url, '#/metrics')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="metrics-view"] [data-testid="chart"] canvas').length === 2)
    expect(await page.textContent('[data-testid="metrics-view"]')).toMatch(/[1-9]\d* completed · 0 failed · [3-9]\d* steps/)
    await shot(page, 'metrics')
  })
})
