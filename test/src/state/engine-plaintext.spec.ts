/**
 * Qlock at rest, end to end (issue 3): flows run through the engine on a data directory
 * with distinctive marker strings in their input, variables, flow document, step outputs
 * (some computed, so they never appear in the input), log lines, an error message, an event
 * payload and a large (> 256 KiB) output. Every file under the directory is scanned, while
 * the node runs and after it closed, and none holds a marker in plaintext; a reopened node
 * still reads every marker back, and the scanner finds them in a control file.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import { openLevelStores } from '../../../node/platform/level-stores.js'
import { collect, filesContaining, tempDir } from './helpers.js'

const PART = 'Zq8uX1wK'
/** Each marker reaches the store by one path; `computed` ones exist only once a step built them. */
const MARKERS = {
  input: `qflow-plain-input-${PART}`,
  variable: `qflow-plain-variable-${PART}`,
  flow: `qflow-plain-flow-document-${PART}`,
  log: `qflow-plain-log-line-${PART}`,
  output: `qflow-plain-step-output-${PART}`,
  error: `qflow-plain-error-message-${PART}`,
  event: `qflow-plain-event-payload-${PART}`,
  big: `qflow-plain-large-output-${PART}`
}
const half = (marker: string): [string, string] => [marker.slice(0, 12), marker.slice(12)]
const PAD = 140_000 // twice this: the `big` output is over the 256 KiB large-output threshold

const FLOW: FlowDefinition = {
  id: 'plaintext', name: 'plaintext scan', version: '1', owner: 'did:key:plaintext-test',
  description: `carries ${MARKERS.flow}`,
  steps: [
    { id: 'greet', type: 'task', action: 'qflow.action.log', params: { message: 'log line ${input.logA & input.logB}' } },
    { id: 'derive', type: 'task', action: 'qflow.action.transform', params: { output: { derived: '${input.outA & input.outB}', fromVariable: '${variables.token}' } } },
    { id: 'big', type: 'task', action: 'qflow.action.transform', params: { output: `\${$pad('', ${PAD}, 'a') & input.bigA & input.bigB & $pad('', ${PAD}, 'b')}` } },
    { id: 'broken', type: 'task', action: 'qflow.action.fail', params: { message: '${input.errA & input.errB}' }, onFailure: 'wait' },
    { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'plaintext.go' } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { derived: '${steps.derive.output.derived}', event: '${steps.wait.output}', bigLength: '${$length(steps.big.output)}' } } }
  ],
  metadata: { tags: [], category: 'test', visibility: 'private', requiredPermissions: [] },
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z'
}

function inputData (n: number): Record<string, unknown> {
  const [logA, logB] = half(MARKERS.log)
  const [outA, outB] = half(MARKERS.output)
  const [errA, errB] = half(MARKERS.error)
  const [bigA, bigB] = half(MARKERS.big)
  return { n, secret: MARKERS.input, logA, logB, outA, outB, errA, errB, bigA, bigB }
}

/** Markers found in plaintext (UTF-8 or UTF-16) in any file under `dir`, with the files. */
async function leaks (dir: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {}
  for (const [name, marker] of Object.entries(MARKERS)) {
    const files = await filesContaining(dir, [marker])
    if (files.length > 0) found[name] = files
  }
  return found
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('no plaintext on disk after running flows (Qlock at rest, through the engine)', () => {
  it('keeps every input, variable, output, log line, error, payload and large output sealed', async () => {
    const tmp = await tempDir()
    cleanups.push(tmp.remove)
    const open = async (): Promise<NodeRuntime> => {
      const runtime = await createNodeRuntime({ dataDir: tmp.dir, sandbox: false, recover: false })
      let closed = false
      cleanups.push(async () => { if (!closed) await runtime.close() })
      return { ...runtime, close: async () => { closed = true; await runtime.close() } }
    }

    const runtime = await open()
    const { engine } = runtime
    await engine.registerFlow(FLOW)
    const executions = 3
    let waiting = 0
    const allWaiting = new Promise<void>(resolve => {
      engine.events.addEventListener('step:waiting', () => { if (++waiting === executions) resolve() })
    })
    const ids = await Promise.all(Array.from({ length: executions }, async (_, n) =>
      await engine.startExecution(FLOW.id, { inputData: inputData(n), variables: { token: MARKERS.variable } })))
    await allWaiting
    for (const id of ids) await engine.persisted(id) // the wait is registered once `event.waiting` is stored
    expect(await engine.deliverEvent('plaintext.go', { secret: MARKERS.event })).toBe(executions)
    for (const id of ids) expect((await engine.waitForExecution(id)).status).toBe('completed')

    expect(await leaks(tmp.dir), 'while the node runs').toEqual({})
    await runtime.close()
    expect(await leaks(tmp.dir), 'after close').toEqual({})

    // everything was stored: a new node reads each marker back (so the scan had something to miss)
    const again = await open()
    for (const id of ids) {
      const state = await again.engine.getExecutionStatus(id)
      expect(state.context.inputData.secret).toBe(MARKERS.input)
      expect(state.context.variables.token).toBe(MARKERS.variable)
      expect(state.steps.greet.logs).toEqual([`log line ${MARKERS.log}`])
      expect(state.steps.derive.output).toEqual({ derived: MARKERS.output, fromVariable: MARKERS.variable })
      expect(state.steps.broken.error?.message).toBe(MARKERS.error)
      expect(state.output).toEqual({ derived: MARKERS.output, event: { secret: MARKERS.event }, bigLength: 2 * PAD + MARKERS.big.length })
      const big = state.steps.big.output as string
      expect(big.slice(PAD, PAD + MARKERS.big.length)).toBe(MARKERS.big)
    }
    expect((await again.engine.getFlow(FLOW.id)).description).toContain(MARKERS.flow)
    await again.close()
    expect(await leaks(tmp.dir), 'after a reopen').toEqual({})

    // the large outputs became blocks of their own (the path the 256 KiB threshold takes)
    const stores = await openLevelStores(tmp.dir)
    const sizes: number[] = []
    for await (const { bytes } of stores.blockstore.getAll()) sizes.push((await collect(bytes)).length)
    await stores.close()
    expect(sizes.filter(size => size > 256 * 1024).length).toBeGreaterThanOrEqual(executions)

    // the scanner does find plaintext: a control file holding every marker is reported for each
    await writeFile(join(tmp.dir, 'control.txt'), `control ${Object.values(MARKERS).join(' ')}\n`)
    expect(await leaks(tmp.dir)).toEqual(Object.fromEntries(Object.keys(MARKERS).map(name => [name, ['control.txt']])))
  }, 60_000)
})
