/**
 * The engine on the durable store survives kill -9 (issue 3): a child process starts 200
 * executions of a flow with delays (`test/fixtures/crash-node.ts`) and is killed with SIGKILL
 * after a random number of step completions; a new process on the same data directory
 * resumes them. Afterwards the directory holds exactly those 200 executions, all completed
 * with the right outputs, each step completed once and no step attempt recorded completed twice.
 *
 * Kill points come from a seeded generator: the seed is printed and every failure names it;
 * `QFLOW_CRASH_SEED=<seed>` replays a run. Progress is read from the child's stdout: the test
 * waits on lines and exits, never on time.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeRuntime } from '../../../node/runtime.js'

const script = fileURLToPath(new URL('../../fixtures/crash-node.ts', import.meta.url))
const EXECUTIONS = 200
const STEPS = ['wait1', 'calc', 'note', 'wait2', 'sum', 'done']
const TOTAL_STEPS = EXECUTIONS * STEPS.length
const SEED = Number(process.env.QFLOW_CRASH_SEED ?? Date.now() % 2 ** 31)

/** mulberry32: a small seeded generator, so a failing kill point can be replayed. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const between = (rng: () => number, [lo, hi]: [number, number], total: number): number =>
  Math.round(total * (lo + (hi - lo) * rng()))

const live = new Set<ChildProcess>()
const dirs: string[] = []

/** One life of the crash node: counts what it prints, and lets the test wait on it. */
class Life {
  readonly started = new Map<string, number>()
  steps = 0
  completed = 0
  allStarted = false
  resuming?: number
  allTerminal?: number
  readonly exited: Promise<number | null>
  private readonly child: ChildProcess
  private readonly waiters = new Set<() => void>()
  private failure?: Error
  private done = false

  /** `context` (the seed and kill points) prefixes every error, so a failure can be replayed. */
  constructor (dir: string, args: string[], private readonly context: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script, dir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    live.add(this.child)
    this.exited = new Promise(resolve => {
      this.child.once('exit', (code) => {
        live.delete(this.child)
        this.done = true
        this.wake()
        resolve(code)
      })
    })
    let buffer = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) this.read(line)
      this.wake()
    })
  }

  private read (line: string): void {
    const [word, a, b] = line.split(' ')
    if (word === 'step') this.steps++
    else if (word === 'completed') this.completed++
    else if (word === 'started') this.started.set(a, Number(b))
    else if (word === 'all-started') this.allStarted = true
    else if (word === 'resuming') this.resuming = Number(a)
    else if (word === 'all-terminal') this.allTerminal = Number(a)
    else if (word === 'failed') this.failure ??= new Error(`${this.context}: execution ${a} failed: ${line.slice(word.length + a.length + 2)}`)
    else this.failure ??= new Error(`${this.context}: unexpected line from the crash node: ${line}`)
  }

  private wake (): void {
    for (const waiter of this.waiters) waiter()
  }

  /** Resolves once `ready()` holds; rejects if an execution fails or the process exits first. */
  async until (what: string, ready: () => boolean): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.failure != null) reject(this.failure)
        else if (ready()) resolve()
        else if (this.done) reject(new Error(`${this.context}: the crash node exited before ${what} (steps ${this.steps}, completed ${this.completed})`))
        else return
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  async kill (): Promise<void> {
    this.child.kill('SIGKILL')
    await this.exited
  }
}

interface Scenario {
  name: string
  /** Kill the first life after this fraction of all step completions (drawn between the bounds). */
  first: [number, number]
  /** Also kill the second life after this fraction of the steps the first left to do. */
  second?: [number, number]
}

const SCENARIOS: Scenario[] = [
  { name: 'early', first: [0.02, 0.15] },
  { name: 'middle, and the second life killed too', first: [0.35, 0.6], second: [0.1, 0.4] },
  { name: 'late', first: [0.75, 0.9] }
]

/** Everything wrong with the data directory after the last life, as readable lines. */
async function problems (dir: string, started: Map<string, number>): Promise<string[]> {
  const found: string[] = []
  const runtime = await createNodeRuntime({ dataDir: dir, recover: false, sandbox: false })
  try {
    const stored = (await runtime.store.listExecutions()).map(s => s.executionId).sort()
    const expected = [...started.keys()].sort()
    if (stored.join() !== expected.join()) {
      found.push(`stored executions differ: ${stored.length} stored, ${expected.length} started; ` +
        `missing ${expected.filter(id => !stored.includes(id)).join(' ')}; extra ${stored.filter(id => !expected.includes(id)).join(' ')}`)
    }
    for (const [id, n] of started) {
      const state = await runtime.engine.getExecutionStatus(id)
      if (state.status !== 'completed') found.push(`${id} is ${state.status}`)
      const output = { n, v: n * 3 + 1, sum: n * 4 + 1 }
      if (JSON.stringify(state.output) !== JSON.stringify(output)) found.push(`${id} output ${JSON.stringify(state.output)}, expected ${JSON.stringify(output)}`)
      // a step completes with `step.completed`, or a delay with `timer.fired` of its delay timer
      const attempts = new Map<string, number>()
      const steps = new Map<string, number>()
      const delays = new Map<string, string>()
      const completed = (stepId: string, attempt: number): void => {
        const key = `${stepId}#${attempt}`
        attempts.set(key, (attempts.get(key) ?? 0) + 1)
        steps.set(stepId, (steps.get(stepId) ?? 0) + 1)
      }
      for (const event of await runtime.store.readEvents(id)) {
        if (event.type === 'step.completed') completed(event.stepId, event.attempt)
        else if (event.type === 'timer.started' && event.purpose === 'delay') delays.set(event.timerId, `${event.stepId}#${event.attempt}`)
        else if (event.type === 'timer.fired' && delays.has(event.timerId)) {
          const [stepId, attempt] = delays.get(event.timerId)!.split('#')
          completed(stepId, Number(attempt))
        }
      }
      for (const [key, count] of attempts) if (count > 1) found.push(`${id}: ${key} recorded completed ${count} times`)
      for (const step of STEPS) if (steps.get(step) !== 1) found.push(`${id}: step ${step} completed ${steps.get(step) ?? 0} times`)
    }
  } finally {
    await runtime.close()
  }
  return found
}

describe('engine crash safety (kill -9 of a node running 200 executions)', () => {
  console.info(`engine crash test: seed ${SEED} (QFLOW_CRASH_SEED=${SEED} replays it)`)

  afterEach(async () => {
    for (const child of live) child.kill('SIGKILL')
    await Promise.all(dirs.splice(0).map(async dir => { await rm(dir, { recursive: true, force: true }) }))
  })

  SCENARIOS.forEach((scenario, index) => {
    it(`resumes every execution after a kill: ${scenario.name}`, async () => {
      const rng = random(SEED + index)
      const dir = await mkdtemp(join(tmpdir(), 'qflow-engine-crash-'))
      dirs.push(dir)
      const killAt = between(rng, scenario.first, TOTAL_STEPS)
      let context = `seed ${SEED}, ${scenario.name}: first life killed after ${killAt} of ${TOTAL_STEPS} step completions`

      const first = new Life(dir, ['start', 'crash', String(EXECUTIONS)], context)
      await first.until(`${killAt} steps`, () => first.allStarted && first.steps >= killAt)
      await first.kill()
      expect(first.started.size, context).toBe(EXECUTIONS)

      // each later life must find work left: a kill that came after everything finished tests nothing
      if (scenario.second != null) {
        const again = between(rng, scenario.second, TOTAL_STEPS - first.steps)
        context += `, second life killed after ${again} step completions`
        const second = new Life(dir, ['recover'], context)
        await second.until(`${again} steps`, () => second.resuming != null && second.steps >= again)
        await second.kill()
        expect(second.resuming, context).toBeGreaterThan(0)
      }
      const last = new Life(dir, ['recover'], context)
      await last.until('every execution is terminal', () => last.allTerminal != null)
      expect(await last.exited, context).toBe(0)
      expect(last.resuming, context).toBeGreaterThan(0)
      expect(last.allTerminal, context).toBe(EXECUTIONS)

      expect(await problems(dir, first.started), context).toEqual([])
    }, 60_000)
  })
})
