/**
 * Flows view and run controls in Chromium: import (invalid text keeps its problems and the
 * text), search by tag, then pause, resume, abort, and restore from a checkpoint.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openApp, startHarness } from './harness.js'
import type { Harness } from './harness.js'
import { shot } from './helpers.js'

let h: Harness
let page: Page

const flowYaml = (id: string, tag: string, delayMs: number): string => `id: ${id}
name: ${id}
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - { id: wait, type: task, action: qflow.action.delay, params: { ms: ${delayMs} } }
  - { id: greet, type: task, action: qflow.action.log, params: { message: "hi \${input.name}" } }
metadata: { tags: [${tag}], category: tests, visibility: private, requiredPermissions: [] }
`

async function importFlow (text: string): Promise<void> {
  if (await page.getAttribute('details.import-panel', 'open') == null) await page.click('summary:has-text("Import JSON or YAML")')
  await page.fill('textarea[aria-label="Flow text to import"]', text)
  await page.click('[data-testid="import-flow"]')
}

async function runFlow (flowId: string): Promise<void> {
  await page.goto(`${h.url}#/builder/${flowId}`)
  await page.waitForSelector('[data-testid="builder"] [data-testid="flow-valid"]')
  await page.click('[data-testid="run-flow"]')
  await page.click('[data-testid="start-run"]')
  await page.waitForSelector('[data-testid="run-view"]')
}

const status = (s: string): string => `[data-testid="run-view"][data-status="${s}"]`

beforeAll(async () => {
  h = await startHarness()
  page = await h.newPage()
  page.setDefaultTimeout(15_000)
}, 90_000)

afterAll(async () => { await h?.close() })

describe('flows view and run controls', () => {
  it('imports flows, keeps invalid text with its problems, and searches by tag', async () => {
    await openApp(page, h.url)
    await page.waitForSelector('[data-testid="empty"]')
    const bad = flowYaml('broken', 'x', 10).replace('qflow.action.delay', 'qflow.action.nope')
    await importFlow(bad)
    await page.waitForSelector('.import-panel [role="alert"]:has-text("steps[1].action")')
    expect(await page.inputValue('textarea[aria-label="Flow text to import"]')).toBe(bad)

    await importFlow(flowYaml('slow', 'long', 60_000))
    await page.waitForSelector('li[data-flow="slow"]')
    await importFlow(flowYaml('quick', 'short', 1))
    await page.waitForSelector('li[data-flow="quick"]')
    // a second import of the same id is a new version; export gives the flow back as text
    await importFlow(flowYaml('quick', 'short', 2))
    await page.click('li[data-flow="quick"] button:has-text("Versions")')
    await page.waitForFunction(() => document.querySelectorAll('li[data-flow="quick"] [data-testid="versions"] li').length === 2)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('li[data-flow="quick"] button:has-text("Export YAML")')])
    expect(download.suggestedFilename()).toBe('quick.yaml')
    expect(await readFile(await download.path(), 'utf8')).toContain('ms: 2')
    await page.selectOption('select[data-filter="tag"]', 'short')
    await page.waitForSelector('li[data-flow="slow"]', { state: 'detached' })
    expect(await page.locator('li[data-flow]').count()).toBe(1)
    await shot(page, 'flows-search')
  })

  it('pauses, resumes and aborts a running execution', async () => {
    await runFlow('slow')
    await page.waitForSelector('g[data-step="wait"][data-status="running"], g[data-step="wait"][data-status="waiting"]')
    await page.click('button:has-text("Pause")')
    await page.waitForSelector(status('paused'))
    await page.click('button:has-text("Resume")')
    await page.waitForSelector(status('running'))
    await page.click('button:has-text("Abort")')
    await page.waitForSelector(status('aborted'))
    expect(await page.locator('g[data-step="greet"][data-status="completed"]').count()).toBe(0)
  })

  it('restores a finished execution from a checkpoint and runs on from there', async () => {
    await runFlow('quick')
    await page.waitForSelector(status('completed'))
    const before = Number(await page.getAttribute('[data-testid="log-length"]', 'data-count'))
    const checkpoint = await page.locator('select[aria-label="Checkpoint"] option').nth(1).getAttribute('value')
    await page.selectOption('select[aria-label="Checkpoint"]', checkpoint!)
    await page.click('button:has-text("Restore checkpoint")')
    await page.waitForFunction(n => Number(document.querySelector('[data-testid="log-length"]')?.getAttribute('data-count')) > n, before)
    await page.waitForSelector(status('completed'))
    expect(await page.locator('[data-testid="timeline"] tr[data-status="completed"]').count()).toBe(3)
    await shot(page, 'run-restored')
  })
})
