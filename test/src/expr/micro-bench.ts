/**
 * Micro-benchmark for src/expr (not a test, no assertions):
 *   node --expose-gc --import tsx test/src/expr/micro-bench.ts
 */
import jsonata from 'jsonata'
import { hasExpression, resolveValue } from '../../../src/expr/index.js'
import type { ExpressionScope } from '../../../src/expr/index.js'

const scope: ExpressionScope = {
  input: { x: 42, user: 'ada', n: 3 },
  steps: { fetch: { output: { status: 200, body: { id: 'u1' } } } },
  variables: { region: 'eu' },
  context: { runId: 'r1' }
}

const plainParams = {
  method: 'POST',
  url: 'https://api.example.com/v1/users',
  headers: { 'content-type': 'application/json', accept: 'application/json', 'x-trace': 'abc' },
  body: { name: 'Ada', tags: ['a', 'b', 'c'], nested: { deep: { value: 1, flag: true } } },
  retries: 3,
  timeoutMs: 5000
}

function benchSync (label: string, iterations: number, run: () => unknown): void {
  for (let i = 0; i < iterations / 10; i++) run()
  const start = performance.now()
  for (let i = 0; i < iterations; i++) run()
  const us = (performance.now() - start) * 1000 / iterations
  console.log(`${label.padEnd(48)} ${us.toFixed(3)} µs/op`)
}

async function bench (label: string, iterations: number, run: () => unknown): Promise<void> {
  for (let i = 0; i < iterations / 10; i++) await run() // warm-up, fills the caches
  const start = performance.now()
  for (let i = 0; i < iterations; i++) await run()
  const us = (performance.now() - start) * 1000 / iterations
  console.log(`${label.padEnd(48)} ${us.toFixed(3)} µs/op`)
}

function heapDelta (label: string, iterations: number, run: () => unknown): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return console.log(`${label}: run node with --expose-gc for heap figures`)
  for (let i = 0; i < 1000; i++) run()
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < iterations; i++) run()
  const after = process.memoryUsage().heapUsed
  console.log(`${label.padEnd(48)} ${((after - before) / iterations).toFixed(3)} bytes/op (heap growth, no gc)`)
}

benchSync('hasExpression(params without templates)', 1_000_000, () => hasExpression(plainParams))
await bench('resolveValue(params without templates)', 1_000_000, async () => await resolveValue(plainParams, scope))
await bench('resolveValue(\'${input.x}\')', 100_000, async () => await resolveValue('${input.x}', scope))
await bench('resolveValue(\'Hi ${input.user}, ${input.n} new\')', 100_000,
  async () => await resolveValue('Hi ${input.user}, ${input.n} new', scope))
await bench('resolveValue(params with 2 templates)', 100_000,
  async () => await resolveValue({ ...plainParams, url: 'https://x/${input.user}', retries: '${input.n}' }, scope))
const raw = jsonata('input.x') // baseline: bare JSONata, no hooks, no copy
await bench('baseline: jsonata(\'input.x\').evaluate (cached)', 100_000, async () => await raw.evaluate(scope))
heapDelta('hasExpression(params without templates)', 1_000_000, () => hasExpression(plainParams))
heapDelta('resolveValue(params without templates), sync part', 100_000, () => resolveValue(plainParams, scope))
