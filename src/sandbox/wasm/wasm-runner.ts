/**
 * Runs a WASI preview 1 command module inside the worker: JSON on stdin, JSON on stdout,
 * stderr lines as logs. Only the host backstop (terminating the worker) can stop a runaway
 * module; this runner classifies what ends by itself.
 */
import { ConsoleStdout, File, OpenFile, WASI, Fd, wasi as defs } from '@bjorn3/browser_wasi_shim'
import { ErrorType } from '../../../shared/errors.js'
import type { GuestError, WasmJob } from '../protocol.js'
import type { LogSink } from '../worker/log-sink.js'
import { PAGE_BYTES } from './module-memory.js'
import { providedImports, WASI_MODULE } from './wasi-imports.js'

const encoder = new TextEncoder()

class OutputTooLarge extends Error {
  constructor (readonly limit: number) { super(`output larger than ${limit} bytes`); this.name = 'OutputTooLarge' }
}

/** stdout: collects bytes up to the output limit, then aborts the guest. */
class CappedStdout extends Fd {
  chunks: Uint8Array[] = []
  size = 0
  constructor (readonly limit: number) { super() }
  override fd_fdstat_get (): { ret: number, fdstat: defs.Fdstat | null } {
    return { ret: 0, fdstat: new defs.Fdstat(defs.FILETYPE_CHARACTER_DEVICE, 0) }
  }

  override fd_write (data: Uint8Array): { ret: number, nwritten: number } {
    this.size += data.byteLength
    if (this.size > this.limit) throw new OutputTooLarge(this.limit)
    this.chunks.push(data.slice())
    return { ret: 0, nwritten: data.byteLength }
  }

  text (): string {
    const all = new Uint8Array(this.size)
    let offset = 0
    for (const c of this.chunks) { all.set(c, offset); offset += c.byteLength }
    return new TextDecoder().decode(all)
  }
}

export type WasmOutcome = { ok: true, output: string, retire?: boolean } | { ok: false, error: GuestError, retire?: boolean }

export function runWasm (job: WasmJob, log: LogSink): WasmOutcome {
  const stdout = new CappedStdout(job.limits.outputBytes)
  const stderr = ConsoleStdout.lineBuffered(line => log.write(line))
  const fds = [new OpenFile(new File(encoder.encode(job.input), { readonly: true })), stdout, stderr]
  const wasi = new WASI(['module'], [], fds, { debug: false })
  let instance: WebAssembly.Instance
  try {
    instance = new WebAssembly.Instance(job.module, { [WASI_MODULE]: providedImports(wasi.wasiImport) })
  } catch (err) {
    return fail(ErrorType.EXECUTION_ERROR, err, 'the module could not be instantiated: ')
  }
  const memory = instance.exports.memory as WebAssembly.Memory
  const atLimit = (): boolean => {
    const pages = memory.buffer.byteLength / PAGE_BYTES
    return pages >= job.memory.maxPages && pages > job.memory.initialPages
  }
  let code: number
  try {
    code = wasi.start(instance as never)
  } catch (err) {
    if (err instanceof OutputTooLarge) return fail(ErrorType.RESOURCE_EXHAUSTED, err)
    if (err instanceof RangeError && /call stack/i.test(err.message)) return fail(ErrorType.RESOURCE_EXHAUSTED, err, 'stack exhausted: ')
    if (atLimit()) return fail(ErrorType.RESOURCE_EXHAUSTED, err, `out of memory at the limit of ${job.memory.maxPages} pages: `)
    return fail(ErrorType.EXECUTION_ERROR, err, 'the module trapped: ')
  }
  if (code !== 0) {
    const message = `the module exited with code ${code}`
    if (atLimit()) return fail(ErrorType.RESOURCE_EXHAUSTED, new Error(`${message} after its memory reached the limit of ${job.memory.maxPages} pages`))
    return { ok: false, error: { type: ErrorType.EXECUTION_ERROR, name: 'ExitError', message, details: { exitCode: code } } }
  }
  const text = stdout.text().trim()
  return { ok: true, output: text === '' ? 'null' : text }
}

function fail (type: GuestError['type'], err: unknown, prefix = ''): { ok: false, error: GuestError } {
  const e = err as { name?: string, message?: string, stack?: string }
  const isObject = err != null && typeof err === 'object'
  const message = prefix + (isObject ? String(e.message ?? e.name) : String(err))
  const error: GuestError = { type, name: isObject ? String(e.name ?? 'Error') : 'Error', message }
  if (isObject && typeof e.stack === 'string') error.stack = e.stack
  return { ok: false, error }
}
