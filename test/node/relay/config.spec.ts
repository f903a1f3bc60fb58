/**
 * The relay's config: embedded defaults, then QFLOW_* variables < file < flags, the seed's
 * `qflow:` layout, and path-precise errors that say where the bad value came from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../../shared/config.js'
import { ConfigError, loadConfig } from '../../../node/config/load.js'
import { flagLayer } from '../../../node/cli/commands/relay.js'

const dir = mkdtempSync(join(tmpdir(), 'qflow-config-'))
const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p }

async function failure (init: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  const err = await loadConfig(init).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(ConfigError)
  return err as ConfigError
}

describe('relay config', () => {
  it('starts from the embedded defaults: API 127.0.0.1:8080, libp2p WebSocket 4001, the seed limits', async () => {
    const { config, file: read } = await loadConfig({ env: {}, cwd: dir })
    expect(read).toBeUndefined()
    expect(config).toEqual(DEFAULT_CONFIG)
    expect(config.api).toEqual({ host: '127.0.0.1', port: 8080, maxBodyBytes: 1024 * 1024 })
    expect(config.networking.port).toBe(4001)
    expect(config.engine).toEqual({ maxConcurrentFlows: 100, defaultTimeout: 300000, checkpointInterval: 0 })
    expect(config.sandbox.allowedModules).toEqual(['dao-approved'])
    expect(config.schedules.missedTicks).toBe('latest')
  })

  it('layers environment < file < flags', async () => {
    const path = file('layers.yaml', 'api:\n  port: 9001\n  host: 127.0.0.2\nengine:\n  maxConcurrentFlows: 7\n')
    const env = { QFLOW_API_PORT: '9000', QFLOW_ENGINE_MAX_CONCURRENT_FLOWS: '5', QFLOW_LOGGING_LEVEL: 'debug', QFLOW_NETWORKING_BOOTSTRAP: '/ip4/127.0.0.1/tcp/1/ws, /ip4/127.0.0.1/tcp/2/ws', QFLOW_DATA: 'from-env' }
    const { config } = await loadConfig({ env, cwd: dir, file: path, flags: flagLayer({ port: '9002' }) })
    expect(config.api).toEqual({ host: '127.0.0.2', port: 9002, maxBodyBytes: 1024 * 1024 })
    expect(config.engine.maxConcurrentFlows).toBe(7)
    expect(config.logging.level).toBe('debug')
    expect(config.networking.bootstrap).toEqual(['/ip4/127.0.0.1/tcp/1/ws', '/ip4/127.0.0.1/tcp/2/ws'])
    expect(config.dataDir).toBe(join(dir, 'from-env'))
  })

  it("reads the seed's layout (everything under qflow:) and $QFLOW_CONFIG", async () => {
    const path = file('seed.yaml', 'qflow:\n  networking:\n    port: 4101\n  sandbox:\n    maxMemoryMB: 64\n')
    const { config, file: read } = await loadConfig({ env: { QFLOW_CONFIG: path }, cwd: dir })
    expect(read).toBe(path)
    expect(config.networking.port).toBe(4101)
    expect(config.sandbox.maxMemoryMB).toBe(64)
  })

  it('names the path, the reason and the source of each bad value', async () => {
    const path = file('bad.yaml', 'networking:\n  port: 70000\n  libp2pPort: 1\nlogging:\n  level: loud\n')
    const err = await failure({ env: { QFLOW_ENGINE_MAX_CONCURRENT_FLOWS: 'many' }, cwd: dir, file: path, flags: flagLayer({ port: '-1', missedTicks: 'twice' }) })
    expect(err.issues).toEqual(expect.arrayContaining([
      { path: 'networking.port', message: `must be an integer 0-65535 (from ${path})` },
      { path: 'networking.libp2pPort', message: `unknown setting (from ${path})` },
      { path: 'logging.level', message: `must be one of fatal, error, warn, info, debug, trace, silent (from ${path})` },
      { path: 'engine.maxConcurrentFlows', message: 'must be an integer >= 1 (from QFLOW_ENGINE_MAX_CONCURRENT_FLOWS)' },
      { path: 'api.port', message: 'must be an integer 0-65535 (from command-line flag)' },
      { path: 'schedules.missedTicks', message: 'must be one of latest, all, none (from command-line flag)' }
    ]))
    expect(err.issues).toHaveLength(6)
    expect(err.message).toContain('\n  networking.port: must be an integer 0-65535')
  })

  it('refuses a missing file, YAML that does not parse and a document that is not a mapping', async () => {
    expect((await failure({ env: {}, cwd: dir, file: join(dir, 'nope.yaml') })).issues[0].message).toMatch(/cannot read .*nope\.yaml: no such file/)
    expect((await failure({ env: {}, cwd: dir, file: file('syntax.yaml', 'api: [1, 2\n') })).issues[0].message).toMatch(/^not valid YAML/)
    expect((await failure({ env: {}, cwd: dir, file: file('list.yaml', '- 1\n') })).issues).toEqual([{ path: '(root)', message: 'must be a mapping of sections' }])
  })
})
