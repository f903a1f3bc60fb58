import { createReadStream, createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { EXIT, CliError } from '../io.js'
import type { Output } from '../io.js'
import { durableOf, openRuntime } from '../data.js'
import type { DataOptions } from '../data.js'

/** `qflow export <id> --out file.car`: an execution (log and snapshots) or a flow with its history. */
export async function exportCommand (id: string, options: DataOptions & { out?: string }, io: Output): Promise<number> {
  if (options.out == null) throw new CliError('say where to write the CAR file: --out <file.car>')
  const runtime = await openRuntime(options)
  try {
    const { store } = durableOf(runtime)
    await pipeline(Readable.from(store.exportCar(id)), createWriteStream(options.out))
    io.out(`exported ${id} to ${options.out}`)
    return EXIT.ok
  } catch (err: any) {
    if (err?.name === 'NotFoundError' || /no (execution|flow)/i.test(String(err?.message))) throw new CliError(`nothing to export: ${String(err.message)}`, EXIT.failed)
    throw err
  } finally {
    await runtime.close()
  }
}

/** `qflow import <file.car>`: restores the blocks and pointers of an exported execution or flow. */
export async function importCommand (file: string, options: DataOptions, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const { store } = durableOf(runtime)
    const result = await store.importCar(createReadStream(file))
    io.out(`imported ${result.of} ${result.id}: ${result.blocks} blocks${result.updated ? '' : ' (already up to date)'}`)
    return EXIT.ok
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw new CliError(`cannot read CAR file '${file}': no such file`)
    if (typeof err?.name === 'string' && /Import|Integrity|Decryption|MissingBlock/.test(err.name)) throw new CliError(`${file}: ${String(err.message)}`, EXIT.failed)
    throw err
  } finally {
    await runtime.close()
  }
}

/** `qflow keys rotate [--owner <id>]`: a new current key; history re-encrypted under it. */
export async function keysRotateCommand (options: DataOptions & { owner?: string }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const { store, keyring } = durableOf(runtime)
    const owner = options.owner ?? 'local'
    const key = await keyring.rotate(owner)
    const result = await store.reencryptHistory({ owner })
    io.out(`rotated the key of ${owner} to ${typeof key === 'string' ? key : (key as { keyId?: string }).keyId ?? 'a new key'}; re-encrypted ${JSON.stringify(result)}`)
    return EXIT.ok
  } finally {
    await runtime.close()
  }
}

/** `qflow prune [--max-age <duration>] [--max-count <n>]`: drops old terminal executions and collects unreferenced blocks. */
export async function pruneCommand (options: DataOptions & { maxAge?: string, maxCount?: string }, io: Output): Promise<number> {
  if (options.maxAge == null && options.maxCount == null) throw new CliError('say what to keep: --max-age <duration, e.g. 30d or 12h> and/or --max-count <n>')
  const maxAgeMs = options.maxAge != null ? parseDuration(options.maxAge) : undefined
  const maxCount = options.maxCount != null ? Number(options.maxCount) : undefined
  if (maxCount != null && (!Number.isInteger(maxCount) || maxCount < 0)) throw new CliError(`--max-count: must be an integer >= 0, got '${options.maxCount}'`)
  const runtime = await openRuntime(options)
  try {
    const result = await durableOf(runtime).store.prune({ maxAgeMs, maxCount })
    io.out(`pruned ${result.executions} execution(s), collected ${result.blocks} block(s)`)
    return EXIT.ok
  } finally {
    await runtime.close()
  }
}

/** `30d`, `12h`, `15m`, `45s`, `500ms` or plain milliseconds. */
export function parseDuration (text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (m == null) throw new CliError(`'${text}' is not a duration: use e.g. 30d, 12h, 15m, 45s or 500ms`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h' | 'd']
  return Math.round(Number(m[1]) * unit)
}
