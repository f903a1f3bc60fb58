/** Page helpers for the dashboard specs: palette clicks, drags, reading the text view. */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { parse } from 'yaml'
import { SCREENSHOTS } from './harness.js'

export async function addStep (page: Page, action: string): Promise<void> {
  const before = await page.locator('g.step').count()
  await page.click(`.palette-item[data-action="${action}"]`)
  await page.waitForFunction(n => document.querySelectorAll('g.step').length === n, before + 1)
}

async function center (page: Page, selector: string): Promise<{ x: number, y: number }> {
  const box = await page.locator(selector).boundingBox()
  if (box == null) throw new Error(`${selector} is not visible`)
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

/** Presses on `from`, moves in steps, releases on `to` (real pointer events). */
export async function drag (page: Page, from: string, to: string | { dx: number, dy: number }): Promise<void> {
  const a = await center(page, from)
  const b = typeof to === 'string' ? await center(page, to) : { x: a.x + to.dx, y: a.y + to.dy }
  await page.mouse.move(a.x, a.y)
  await page.mouse.down()
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 })
  await page.mouse.move(b.x, b.y, { steps: 4 })
  await page.mouse.up()
}

/** Drags a route from `fromStep`'s `kind` port onto `toStep`. */
export async function connect (page: Page, fromStep: string, kind: string, toStep: string): Promise<void> {
  await drag(page, `g[data-step="${fromStep}"] circle[data-port="${kind}"]`, `g[data-step="${toStep}"] rect`)
}

export async function flowText (page: Page): Promise<string> {
  return await page.locator('[data-testid="flow-text"]').inputValue()
}

export async function flowFromText (page: Page): Promise<any> {
  return parse(await flowText(page))
}

export async function shot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
