/**
 * `qflow relay`: starts a relay on the merged config (defaults < $QFLOW_* < file < flags),
 * prints one JSON line on stdout once it listens (`{"event":"relay:ready","url":…}`), and
 * shuts down gracefully on SIGINT / SIGTERM (exit 0). A bad config exits 2 with one line per
 * problem, each naming the setting's path.
 */
import { ConfigError, loadConfig } from '../../config/load.js'
import { OWNER_TOKEN_FILE, startRelay } from '../../relay/index.js'
import type { RelayInit } from '../../relay/index.js'
import { join } from 'node:path'
import { CliError, EXIT } from '../io.js'
import type { Output } from '../io.js'

export interface RelayOptions {
  data?: string
  memory?: boolean
  host?: string
  port?: string
  p2pPort?: string
  bootstrap?: string[]
  config?: string
  logLevel?: string
  logFile?: string
  missedTicks?: string
}

const num = (text: string | undefined): unknown => text == null ? undefined : (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text)

/** The partial config the flags set. */
export function flagLayer (o: RelayOptions): Record<string, unknown> {
  const section = (entries: Record<string, unknown>): Record<string, unknown> | undefined => {
    const set = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined))
    return Object.keys(set).length > 0 ? set : undefined
  }
  const layer: Record<string, unknown> = {
    dataDir: o.data,
    memory: o.memory === true ? true : undefined,
    api: section({ host: o.host, port: num(o.port) }),
    networking: section({ port: num(o.p2pPort), bootstrap: o.bootstrap }),
    logging: section({ level: o.logLevel, file: o.logFile }),
    schedules: section({ missedTicks: o.missedTicks })
  }
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined))
}

/** Resolves when the relay has stopped (after SIGINT / SIGTERM). */
export async function relayCommand (options: RelayOptions, io: Output, init: RelayInit = {}): Promise<number> {
  if (options.memory === true && options.data != null) throw new CliError('use either --data <dir> or --memory, not both')
  let config
  try {
    ({ config } = await loadConfig({ flags: flagLayer(options), ...(options.config != null ? { file: options.config } : {}) }))
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${err.message}\nfix the setting in the config file, the QFLOW_* variable or the flag named above (see node/config/ARCHITECTURE.md)`, EXIT.usage)
    throw err
  }
  let relay
  try {
    relay = await startRelay(config, init)
  } catch (err: any) {
    if (err?.code === 'EADDRINUSE') throw new CliError(`port ${config.api.port} on ${config.api.host} is in use: stop what listens there or pass --port <n> (0 picks a free one)`, EXIT.failed)
    if (err?.name === 'DataDirLockedError' || err?.name === 'WrongKeyError') throw new CliError(String(err.message), EXIT.failed)
    throw err
  }
  const stopped = new Promise<string>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(signal)
    }
    const onInt = (): void => { stop('SIGINT') }
    const onTerm = (): void => { stop('SIGTERM') }
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
  io.out(JSON.stringify({
    event: 'relay:ready',
    url: relay.url,
    port: relay.port,
    dataDir: relay.dataDir ?? null,
    owner: relay.owner,
    // a memory relay has no token file: its owner token is shown to whoever started it
    ...(relay.dataDir != null ? { tokenFile: join(relay.dataDir, OWNER_TOKEN_FILE) } : { token: relay.token }),
    schedules: relay.scheduler.scheduled()
  }))
  const signal = await stopped
  relay.logger.info({ signal }, 'signal received')
  await relay.close()
  return EXIT.ok
}
