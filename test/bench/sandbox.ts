/**
 * Sandbox benchmark (Node, worker_threads host): cold start, warm call overhead, trivial
 * steps/s, how late a runaway guest is stopped, and how exact the memory limit is. Every
 * figure is measured on this machine at run time.
 */
import { readFile } from 'node:fs/promises'
import createWabt from 'wabt'
import { threadSandboxHost } from '../../node/platform/thread-sandbox-host.js'
import type { SandboxRequest } from '../../src/interface/sandbox-host.js'
import type { PooledSandboxHost } from '../../src/sandbox/pooled-sandbox-host.js'

const MB = 1024 * 1024

async function wat (name: string): Promise<Uint8Array> {
  const source = await readFile(new URL(`../fixtures/wasm/${name}.wat`, import.meta.url), 'utf8')
  const module = (await createWabt()).parseWat(`${name}.wat`, source)
  try { return new Uint8Array(module.toBinary({}).buffer) } finally { module.destroy() }
}

function call (host: PooledSandboxHost, request: Partial<SandboxRequest>): Promise<unknown> {
  return host.run({ kind: request.module != null ? 'wasm' : 'function', input: {}, limits: {}, idempotencyKey: 'bench', ...request },
    { signal: new AbortController().signal }).then(r => r.output)
}

async function timed (fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn().catch(() => {})
  return performance.now() - start
}

const idle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 2))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

/** An echo worker measured the way warm calls are: one message, then an idle gap. */
async function rawRoundTrip (): Promise<number[]> {
  const { Worker } = await import('node:worker_threads')
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', m => require('node:worker_threads').parentPort.postMessage(m))", { eval: true })
  const once = (): Promise<unknown> => new Promise(resolve => { worker.once('message', resolve); worker.postMessage({ input: {}, code: 'return 1' }) })
  try {
    for (let i = 0; i < 20; i++) await once()
    const out: number[] = []
    for (let i = 0; i < 300; i++) {
      await idle()
      out.push(await timed(once))
    }
    return out
  } finally {
    await worker.terminate()
  }
}

async function throughput (host: PooledSandboxHost, inFlight: number, ms: number): Promise<number> {
  let done = 0
  const end = performance.now() + ms
  await Promise.all(Array.from({ length: inFlight }, async (_, i) => {
    while (performance.now() < end) { await call(host, { code: 'return input.i', input: { i } }); done++ }
  }))
  return done / (ms / 1000)
}

async function largestArrayBuffer (host: PooledSandboxHost, limitMB: number): Promise<number> {
  const code = 'let lo = 0, hi = 1 << 30; while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); try { new ArrayBuffer(mid); lo = mid } catch { hi = mid - 1 } } return lo'
  return await call(host, { code, limits: { maxMemoryMB: limitMB } }) as number
}

export async function benchSandbox (print: (line: string) => void): Promise<void> {
  const t0 = performance.now()
  const host = threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 2 } })
  try {
    await call(host, { code: 'return 1' })
    print(`sandbox cold start, first function run (2 workers spawned, QuickJS loaded): ${(performance.now() - t0).toFixed(1)} ms`)
    print(`sandbox first run of new code on a warm worker: ${(await timed(() => call(host, { code: 'return "new code"' }))).toFixed(2)} ms`)
    for (const name of ['sum', 'loop', 'grow-probe']) await host.registry.registerTemplate(name, await wat(name))
    print(`sandbox first run of a WASM module (validate + compile + run): ${(await timed(() => call(host, { module: 'sum', input: [1] }))).toFixed(2)} ms`)

    const fnLatency: number[] = []
    const wasmLatency: number[] = []
    for (let i = 0; i < 300; i++) {
      await idle()
      fnLatency.push(await timed(() => call(host, { code: 'return 1' })))
      await idle()
      wasmLatency.push(await timed(() => call(host, { module: 'sum', input: [i] })))
    }
    const raw = await rawRoundTrip()
    print(`sandbox reference: bare worker_threads message round trip after the same idle gap: median ${(median(raw) * 1000).toFixed(0)} µs (the floor under any warm call)`)
    print(`sandbox warm call overhead, function: median ${(median(fnLatency) * 1000).toFixed(0)} µs, p95 ${(pct(fnLatency, 0.95) * 1000).toFixed(0)} µs (goal <= 200 µs: ${median(fnLatency) * 1000 <= 200 ? 'met' : 'MISSED'}; ${(median(fnLatency) / median(raw)).toFixed(1)}x the bare round trip)`)
    print(`sandbox warm call overhead, WASM module: median ${(median(wasmLatency) * 1000).toFixed(0)} µs, p95 ${(pct(wasmLatency, 0.95) * 1000).toFixed(0)} µs`)
    print(`sandbox trivial function steps/s, one at a time: ${(await throughput(host, 1, 2000)).toFixed(0)}`)
    print(`sandbox trivial function steps/s, 8 in flight on 2 workers: ${(await throughput(host, 8, 2000)).toFixed(0)}`)

    const deadline = 100
    for (const [label, request] of [['JS loop (QuickJS interrupt)', { code: 'for (;;) {}' }], ['WASM loop (worker terminated)', { module: 'loop' }]] as const) {
      const late: number[] = []
      for (let i = 0; i < 10; i++) {
        // start each trial on a ready worker, so the figure is not a replacement's start-up time
        while (host.stats().ready < 2) await idle()
        late.push(await timed(() => call(host, { ...request, limits: { maxExecutionTimeMs: deadline } })) - deadline)
      }
      print(`sandbox runaway ${label} stopped after its ${deadline} ms deadline: median +${median(late).toFixed(1)} ms, max +${Math.max(...late).toFixed(1)} ms`)
    }

    for (const limitMB of [32, 128]) {
      const largest = await largestArrayBuffer(host, limitMB)
      print(`sandbox memory limit ${limitMB} MiB, largest ArrayBuffer a function could allocate: ${(largest / MB).toFixed(2)} MiB (${(100 * largest / (limitMB * MB)).toFixed(1)}% of the limit)`)
    }
    const total = await call(host, { code: 'const a = []; try { for (;;) a.push(new ArrayBuffer(1 << 20)) } catch {} return a.length', limits: { maxMemoryMB: 128 } }) as number
    print(`sandbox memory limit 128 MiB, total a function could allocate in 1 MiB ArrayBuffers: ${total} MiB (${(100 * total / 128).toFixed(1)}% of the limit)`)
    const { pages } = await call(host, { module: 'grow-probe', limits: { maxMemoryMB: 32 } }) as { pages: number }
    print(`sandbox memory limit 32 MiB, largest WASM memory a module could grow to: ${(pages * 65536 / MB).toFixed(2)} MiB (${pages} pages)`)
  } finally {
    await host.stop()
  }
}
