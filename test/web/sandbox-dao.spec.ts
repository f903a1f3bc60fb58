/**
 * Code in the tab: a function step runs in the Web Worker sandbox only once the flow's DAO
 * subnet approved its CID. The subnet is created, the code proposed and voted for in the DAO
 * view, all from the local trust state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openApp, startHarness } from './harness.js'
import type { Harness } from './harness.js'
import { shot } from './helpers.js'

let h: Harness
let page: Page

const FLOW = `id: code
name: Code in a worker
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - id: double
    type: task
    action: qflow.action.function
    params:
      input: { n: 21 }
      code: "return { twice: input.n * 2 }"
metadata: { tags: [], category: tests, visibility: private, requiredPermissions: [], daoSubnet: dao.code }
`

async function run (): Promise<void> {
  await page.goto(`${h.url}#/builder/code`)
  await page.waitForSelector('[data-testid="builder"] [data-testid="flow-valid"]')
  await page.click('[data-testid="run-flow"]')
  await page.click('[data-testid="start-run"]')
  await page.waitForSelector('[data-testid="run-view"][data-status="completed"], [data-testid="run-view"][data-status="failed"]')
}

beforeAll(async () => {
  h = await startHarness()
  page = await h.newPage()
  page.setDefaultTimeout(20_000)
}, 90_000)

afterAll(async () => { await h?.close() })

describe('sandbox and DAO in the tab', () => {
  it('refuses unapproved code, then runs it in a worker once the subnet voted for it', async () => {
    await openApp(page, h.url, '#/dao')
    await page.fill('input[aria-label="New subnet name"]', 'dao.code')
    await page.click('text=Create subnet')
    await page.waitForSelector('article[data-subnet="dao.code"]')

    await page.goto(`${h.url}#/flows`)
    await page.click('summary:has-text("Import JSON or YAML")')
    await page.fill('textarea[aria-label="Flow text to import"]', FLOW)
    await page.click('[data-testid="import-flow"]')
    await page.waitForSelector('li[data-flow="code"]')

    await run()
    expect(await page.getAttribute('[data-testid="run-view"]', 'data-status')).toBe('failed')
    const message = await page.locator('[data-testid="run-view"] [role="alert"]').first().textContent() ?? ''
    expect(message).toContain('dao_policy_violation')
    const cid = /code (\S+) is not approved/.exec(message)?.[1]
    expect(cid).toMatch(/^b/)

    await page.goto(`${h.url}#/dao`)
    await page.fill('article[data-subnet="dao.code"] input[aria-label="Code CID to propose"]', cid!)
    await page.click('article[data-subnet="dao.code"] button:has-text("Propose")')
    await page.click('article[data-subnet="dao.code"] button:has-text("Vote to approve")')
    await page.waitForSelector('article[data-subnet="dao.code"] li:has-text("approved")')
    await shot(page, 'dao-approved')

    await run()
    expect(await page.getAttribute('[data-testid="run-view"]', 'data-status')).toBe('completed')
    await page.click('[data-step-row="double"] button')
    expect(JSON.parse(await page.locator('[data-testid="step-output"]').textContent() ?? '')).toEqual({ twice: 42 })
  })
})
