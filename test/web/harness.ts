/**
 * The e2e harness: builds the dashboard once (a child `vite build`, so the Solid plugin applies
 * outside vitest) into a temporary folder, serves it with `vite preview` on 127.0.0.1 and an
 * ephemeral port, and drives Debian's Chromium through playwright-core.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { preview } from 'vite'
import type { PreviewServer } from 'vite'

const run = promisify(execFile)
export const ROOT = resolve(import.meta.dirname, '../..')
export const SCREENSHOTS = join(ROOT, '.artifacts/screenshots')

export interface Harness {
  url: string
  browser: Browser
  newPage(context?: BrowserContext): Promise<Page>
  close(): Promise<void>
}

/** Builds `web/` into `outDir` (a child process: no VITEST variable, so the Solid plugin runs). */
export async function buildDashboard (outDir: string): Promise<void> {
  const env = { ...process.env }
  delete env.VITEST
  delete env.VITEST_MODE
  delete env.VITEST_POOL_ID
  delete env.VITEST_WORKER_ID
  await run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, env })
}

export async function serveDashboard (outDir: string): Promise<PreviewServer> {
  return await preview({ configFile: false, root: join(ROOT, 'web'), logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: true } })
}

export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
}

export async function startHarness (): Promise<Harness> {
  const outDir = await mkdtemp(join(tmpdir(), 'qflow-web-'))
  await buildDashboard(outDir)
  const server = await serveDashboard(outDir)
  const address = server.httpServer.address()
  if (address == null || typeof address === 'string') throw new Error('vite preview has no TCP address')
  const url = `http://127.0.0.1:${address.port}/`
  const browser = await chromium.launch(launchOptions)
  await mkdir(SCREENSHOTS, { recursive: true })
  return {
    url,
    browser,
    async newPage (context) {
      const ctx = context ?? await browser.newContext({ viewport: { width: 1400, height: 900 } })
      const page = await ctx.newPage()
      page.on('pageerror', err => { process.stderr.write(`page error: ${err.message}\n`) })
      return page
    },
    async close () {
      await browser.close()
      await server.close()
      await rm(outDir, { recursive: true, force: true })
    }
  }
}

/** Opens the dashboard and waits until the tab node is up and the app is mounted. */
export async function openApp (page: Page, url: string, hash = '#/flows'): Promise<void> {
  await page.goto(url + hash)
  await page.waitForSelector('.app[data-ready="true"]')
}
