/**
 * Dashboard benchmark (built app, served by `vite preview` on 127.0.0.1, Debian's Chromium):
 * first load to interactive (the `qflow:interactive` mark: tab node up and <App/> mounted),
 * main bundle size raw and gzipped, and frames per second while dragging a step of a 20-step
 * and a 200-step flow (one pointer move per frame, in the page). Goals: interactive ≤ 1.5 s,
 * drag ≥ 30 fps.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { buildDashboard, launchOptions, serveDashboard } from '../web/harness.js'

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function firstLoad (browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext() // fresh storage: a new identity, new databases
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForSelector('.app[data-ready="true"]')
  const ms = await page.evaluate("performance.getEntriesByName('qflow:interactive')[0].startTime") as number
  await context.close()
  return ms
}

function bigFlow (steps: number, owner: string): unknown {
  const now = new Date().toISOString()
  return {
    id: `bench-${steps}`, name: `Bench ${steps}`, version: '1.0.0', owner, createdAt: now, updatedAt: now,
    metadata: { tags: ['bench'], category: 'bench', visibility: 'private', requiredPermissions: [] },
    steps: [{ id: 's0', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
      ...Array.from({ length: steps - 1 }, (_, i) => ({ id: `s${i + 1}`, type: 'task', action: 'qflow.action.log', params: { message: `step ${i + 1}` } }))]
  }
}

/**
 * In-page source (a string: tsx would wrap a function with helpers the page lacks): presses on
 * step `s1`, then one pointer move per animation frame; resolves with frames per second.
 */
const DRAG_IN_PAGE = `async (n) => {
  const el = document.querySelector('g[data-step="s1"] rect')
  const box = el.getBoundingClientRect()
  const at = (i) => ({ bubbles: true, clientX: box.x + 20 + (i % 40) * 4, clientY: box.y + 20 + (i % 40) * 2, button: 0, pointerId: 1 })
  el.dispatchEvent(new PointerEvent('pointerdown', at(0)))
  const start = performance.now()
  for (let i = 1; i <= n; i++) {
    window.dispatchEvent(new PointerEvent('pointermove', at(i)))
    await new Promise(resolve => requestAnimationFrame(resolve))
  }
  const elapsed = performance.now() - start
  window.dispatchEvent(new PointerEvent('pointerup', at(n)))
  return n / (elapsed / 1000)
}`

/** Drags step `s1` by one pointer move per animation frame; resolves with frames per second. */
async function dragFps (page: Page, url: string, steps: number, frames = 120): Promise<number> {
  await page.evaluate(`window.qflow.node.engine.registerFlow(${JSON.stringify(bigFlow(steps, 'bench'))})`)
  await page.goto(`${url}#/builder/bench-${steps}`)
  await page.waitForFunction(`document.querySelectorAll('g.step').length === ${steps}`)
  return await page.evaluate(`(${DRAG_IN_PAGE})(${frames})`) as number
}

export async function benchDashboard (print: (line: string) => void): Promise<void> {
  const outDir = await mkdtemp(join(tmpdir(), 'qflow-bench-web-'))
  await buildDashboard(outDir)
  const server = await serveDashboard(outDir)
  const address = server.httpServer.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address != null ? address.port : 0}/`
  const browser = await chromium.launch(launchOptions)
  try {
    const assets = await readdir(join(outDir, 'assets'))
    const html = await readFile(join(outDir, 'index.html'), 'utf8')
    const main = assets.find(a => a.endsWith('.js') && html.includes(a))!
    const bytes = await readFile(join(outDir, 'assets', main))
    print(`dashboard main bundle: ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(bytes).length / 1024).toFixed(1)} KiB gzipped (${main})`)

    const loads: number[] = []
    for (let i = 0; i < 3; i++) loads.push(await firstLoad(browser, url))
    const load = median(loads)
    print(`dashboard first load to interactive: median ${load.toFixed(0)} ms of ${loads.map(l => l.toFixed(0)).join(', ')} (goal ≤ 1500 ms: ${load <= 1500 ? 'met' : 'NOT met'})`)

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    const page = await context.newPage()
    await page.goto(url)
    await page.waitForSelector('.app[data-ready="true"]')
    const small = await dragFps(page, url, 20)
    const big = await dragFps(page, url, 200)
    print(`dashboard drag: ${small.toFixed(1)} fps with 20 steps, ${big.toFixed(1)} fps with 200 steps (ratio ${(big / small).toFixed(2)}; goal ≥ 30 fps: ${big >= 30 ? 'met' : 'NOT met'})`)
    await context.close()
  } finally {
    await browser.close()
    await server.close()
    await rm(outDir, { recursive: true, force: true })
  }
}
