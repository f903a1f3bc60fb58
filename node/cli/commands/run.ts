import { EXIT, CliError, parseJsonArg, readText } from '../io.js'
import type { Output } from '../io.js'
import { openRuntime, settled } from '../data.js'
import type { DataOptions } from '../data.js'
import { formatState } from '../format.js'
import { loadFlowFile } from '../load.js'
import { followProgress } from '../progress.js'

export interface RunOptions extends DataOptions {
  input?: string
  inputJson?: string
  json?: boolean
  with?: string[]
}

/**
 * `qflow run <file>`: runs the flow on an in-process node (state in the data directory, or
 * in memory with `--memory`) and prints the final state; exit 0 when it completed.
 */
export async function runCommand (file: string, options: RunOptions, io: Output): Promise<number> {
  if (options.input != null && options.inputJson != null) throw new CliError('use either --input <json-file> or --input-json, not both')
  const inputData = options.input != null
    ? parseJsonArg(await readText(options.input, 'input file'), options.input)
    : options.inputJson != null ? parseJsonArg(options.inputJson, '--input-json') : {}
  const runtime = await openRuntime(options)
  try {
    for (const extra of options.with ?? []) await runtime.engine.registerFlow((await loadFlowFile(extra, runtime.actions)).flow)
    const loaded = await loadFlowFile(file, runtime.actions)
    if (options.json !== true) {
      if (loaded.defaults.length > 0) io.err(`note: ${file} leaves out ${loaded.defaults.map(d => d.field).join(', ')}; using ${loaded.defaults.map(d => `${d.field}=${d.value}`).join(', ')}`)
      for (const w of loaded.warnings) io.err(`warning ${w.path}: ${w.message}`)
    }
    await runtime.engine.registerFlow(loaded.flow)
    if (options.json !== true) followProgress(runtime.engine, io)
    const id = await runtime.engine.startExecution(loaded.flow.id, { triggeredBy: loaded.flow.owner, triggerType: 'manual', inputData })
    const state = await settled(runtime.engine, id)
    if (options.json === true) io.out(JSON.stringify(state, null, 2))
    else for (const line of formatState(state)) io.out(line)
    return state.status === 'completed' ? EXIT.ok : EXIT.failed
  } finally {
    await runtime.close()
  }
}
