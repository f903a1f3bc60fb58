/**
 * The relay's configuration (`qflow-config.yaml`): one zod schema is the contract, its
 * defaults are the embedded defaults a fresh clone starts on. The seed's sections (engine,
 * validation, sandbox, networking) plus api, logging and schedules.
 *
 * Precedence (lowest first): these defaults < `QFLOW_*` environment variables < the config
 * file < command-line flags. `node/config/` reads and merges the layers; this file only says
 * what a valid config is, so the dashboard and the CLI can share it.
 */
import { z } from 'zod'

const objectError = { error: (issue: { code: string }) => issue.code === 'invalid_type' ? 'must be an object' : undefined }
const port = (what: string): z.ZodNumber => z.number({ error: 'must be an integer 0-65535' })
  .int({ error: 'must be an integer 0-65535' }).min(0, { error: 'must be an integer 0-65535' }).max(65535, { error: 'must be an integer 0-65535' })
  .describe(what)
const nonNegInt = z.number({ error: 'must be an integer >= 0' }).int({ error: 'must be an integer >= 0' }).min(0, { error: 'must be an integer >= 0' })
const positiveInt = z.number({ error: 'must be an integer >= 1' }).int({ error: 'must be an integer >= 1' }).min(1, { error: 'must be an integer >= 1' })
const host = z.string({ error: 'must be a host name or IP address' }).min(1, { error: 'must be a host name or IP address' })
const bool = z.boolean({ error: 'must be true or false' })

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/**
 * What a schedule does about ticks that passed while the relay was down:
 * `latest` runs once for the most recent missed tick and skips older ones (the default),
 * `all` runs every missed tick up to `schedules.maxCatchUp` (the newest ones), `none` skips them.
 */
export const MISSED_TICK_POLICIES = ['latest', 'all', 'none'] as const
export type MissedTickPolicy = typeof MISSED_TICK_POLICIES[number]

export const QflowConfigSchema = z.strictObject({
  dataDir: z.string({ error: 'must be a directory path' }).min(1, { error: 'must be a directory path' }).optional()
    .describe('Data directory (default $QFLOW_DATA, else ./.qflow)'),
  memory: bool.default(false).describe('Keep nothing on disk (ephemeral mode): no data directory, no owner token file'),
  engine: z.strictObject({
    maxConcurrentFlows: positiveInt.default(100),
    defaultTimeout: positiveInt.default(300_000).describe('Step timeout when a step sets none, in ms'),
    checkpointInterval: nonNegInt.default(0).describe('Checkpoint at most every n ms per execution (default 0: at every step boundary)')
  }, objectError).prefault({}),
  validation: z.strictObject({
    enablePipeline: bool.default(true),
    timeoutPerLayer: positiveInt.default(5000),
    retryAttempts: nonNegInt.default(3)
  }, objectError).prefault({}),
  sandbox: z.strictObject({
    maxMemoryMB: positiveInt.default(128),
    maxExecutionTimeMs: positiveInt.default(30_000),
    allowedModules: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' }).default(['dao-approved'])
      .describe("'dao-approved', '*' (development only) or code CIDs / template names"),
    poolSize: positiveInt.default(2)
  }, objectError).prefault({}),
  networking: z.strictObject({
    host: host.default('0.0.0.0').describe('libp2p WebSocket listen address'),
    port: port('libp2p WebSocket listen port (0: any free port)').default(4001),
    bootstrap: z.array(z.string({ error: 'must be a multiaddr string' }).startsWith('/', { error: 'must be a multiaddr (starts with /)' }), { error: 'must be a list of multiaddrs' }).default([]),
    subnets: z.array(z.string({ error: 'must be a subnet name' }).min(1, { error: 'must be a subnet name' }), { error: 'must be a list of subnet names' })
      .min(1, { error: 'must name at least one subnet' }).default(['public']).describe('DAO subnets this node serves (the first is the default of steps without one); tabs join `public` by default'),
    capabilities: z.array(z.string({ error: 'must be a capability name' }).min(1, { error: 'must be a capability name' }), { error: 'must be a list of capability names' })
      .default([]).describe('Capabilities this node announces (steps may require them)')
  }, objectError).prefault({}),
  api: z.strictObject({
    host: host.default('127.0.0.1'),
    port: port('REST/WebSocket API port (0: any free port)').default(8080),
    maxBodyBytes: positiveInt.default(1024 * 1024)
  }, objectError).prefault({}),
  logging: z.strictObject({
    level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    file: z.string({ error: 'must be a file path' }).min(1, { error: 'must be a file path' }).optional().describe('Append JSON lines here instead of stderr')
  }, objectError).prefault({}),
  schedules: z.strictObject({
    missedTicks: z.enum(MISSED_TICK_POLICIES, { error: `must be one of ${MISSED_TICK_POLICIES.join(', ')}` }).default('latest'),
    maxCatchUp: positiveInt.default(10).describe("Most missed ticks run under the 'all' policy (the newest ones)")
  }, objectError).prefault({})
}, objectError)

/** A validated config with every default filled in. */
export type QflowConfig = z.output<typeof QflowConfigSchema>
/** What a config file, the environment or flags may set (every field optional). */
export type QflowConfigInput = z.input<typeof QflowConfigSchema>

/** The embedded defaults: what `npm start` runs on with no file, variables or flags. */
export const DEFAULT_CONFIG: QflowConfig = QflowConfigSchema.parse({})

export interface ConfigIssue {
  /** Dotted path, e.g. `networking.port`. */
  path: string
  message: string
}

/** Validates a merged config; `issues` are path-precise (`networking.port: must be an integer 0-65535`). */
export function parseConfig (input: unknown): { config: QflowConfig, issues: [] } | { config?: undefined, issues: ConfigIssue[] } {
  const result = QflowConfigSchema.safeParse(input)
  if (result.success) return { config: result.data, issues: [] }
  return {
    issues: result.error.issues.map(issue => {
      const base = issue.path.map(String).join('.')
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map(key => ({ path: base === '' ? key : `${base}.${key}`, message: 'unknown setting' }))
      }
      return [{ path: base === '' ? '(root)' : base, message: issue.message }]
    }).flat()
  }
}
