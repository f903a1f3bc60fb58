/**
 * The relay: what an operator runs. Composes the Node runtime (engine, durable store, sandbox),
 * the REST/WebSocket API with owner-token authentication, cron schedules, structured logs and
 * the dashboard's static files, on a validated {@link QflowConfig}.
 *
 * @example
 * const { config } = await loadConfig({ flags: { api: { port: 0 } } })
 * const relay = await startRelay(config)
 * console.log(relay.url)
 * await relay.close()
 */
import { resolve } from 'node:path'
import type { QflowConfig } from '../../shared/config.js'
import { systemClock } from '../../src/index.js'
import type { Clock } from '../../src/index.js'
import type { Scheduler } from '../../src/triggers/index.js'
import { createApiApp } from '../api/app.js'
import { createApiAuth, ensureOwnerToken, fileTokenStore, memoryTokenStore, OWNER_TOKEN_FILE } from '../api/auth/index.js'
import { daoViewOf } from '../api/routes/dao.js'
import { serveApi } from '../api/serve.js'
import { createNodeRuntime, defaultDataDir } from '../runtime.js'
import type { NodeRuntime, NodeRuntimeInit } from '../runtime.js'
import { mountDashboard } from './dashboard.js'
import { logEngineEvents, relayLogger } from './logger.js'
import type { RelayLogger } from './logger.js'
import { ownerIdentity } from './owner.js'
import { relaySchedules } from './schedules.js'
import { logNetworkEvents, relayNetworkInit } from './network.js'

/** What the libp2p side of the relay hands back (built by the network layer, not here). */
export interface RelayNetwork {
  /** Multiaddrs the node listens on. */
  addresses?: string[]
  close(): Promise<void>
}

/**
 * The seam for the libp2p listener (WebSocket on `networking.port`, circuit-relay server,
 * bootstrap dialing): called after the runtime is up; absent, the relay runs without a network.
 */
export type RelayNetworkFactory = (context: { config: QflowConfig, runtime: NodeRuntime, logger: RelayLogger }) => Promise<RelayNetwork>

export interface RelayInit {
  /** Drives the cron schedules (default: the system clock; tests pass a fake one). */
  clock?: Clock
  /**
   * The peer-to-peer network. Default: the runtime joins it on the config's `networking`
   * section (WebSocket listener, circuit-relay server, bootstrap peers; see `network.ts`);
   * a factory ({@link RelayNetworkFactory}) builds another one after the runtime is up;
   * `false`: no network.
   */
  network?: RelayNetworkFactory | false
  /** Where the dashboard's build is (default `dist/web` of this checkout). */
  webRoot?: string
  /** Extra runtime settings over those the config gives (tests, benchmarks). */
  runtime?: Partial<NodeRuntimeInit>
}

export interface Relay {
  /** `http://host:port` of the API. */
  url: string
  port: number
  runtime: NodeRuntime
  scheduler: Scheduler
  logger: RelayLogger
  /** The data directory; undefined in memory mode. */
  dataDir?: string
  /** The identity the owner token is issued to. */
  owner: string
  /** The owner's bearer token (also in `<dataDir>/owner.token` on a data directory). */
  token: string
  network?: RelayNetwork
  /** Stops taking requests, stops schedules and the network, lets executions persist, closes the store. */
  close(): Promise<void>
}

/** The runtime settings a config gives. */
export function runtimeInit (config: QflowConfig): NodeRuntimeInit {
  return {
    ...(config.memory ? {} : { dataDir: config.dataDir ?? defaultDataDir() }),
    maxConcurrentFlows: config.engine.maxConcurrentFlows,
    defaultStepTimeout: config.engine.defaultTimeout,
    checkpointInterval: config.engine.checkpointInterval,
    sandbox: {
      maxMemoryMB: config.sandbox.maxMemoryMB,
      maxExecutionTimeMs: config.sandbox.maxExecutionTimeMs,
      allowedModules: config.sandbox.allowedModules,
      poolSize: config.sandbox.poolSize
    }
  }
}

export async function startRelay (config: QflowConfig, init: RelayInit = {}): Promise<Relay> {
  const log = relayLogger(config.logging)
  const { logger } = log
  const closers: Array<() => Promise<void>> = [log.close]
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0)) {
      // shutdown carries on past one failing part so the data directory is still released
      await close().catch((err: Error) => { logger.error({ err }, 'shutdown step failed') })
    }
  }
  try {
    const builtIn = init.network == null
    const runtime = await createNodeRuntime({ ...runtimeInit(config), ...(builtIn ? { network: relayNetworkInit(config) } : {}), ...init.runtime })
    closers.unshift(runtime.close)
    const dataDir = runtime.durable?.dataDir ?? (init.runtime?.dataDir != null ? resolve(init.runtime.dataDir) : undefined)
    const stopLogging = logEngineEvents(runtime.engine, logger)
    closers.unshift(async () => { stopLogging() })

    const owner = ownerIdentity(runtime)
    let token: string
    let tokens
    if (dataDir != null) {
      token = await ensureOwnerToken(dataDir, owner)
      tokens = fileTokenStore(dataDir)
    } else {
      tokens = memoryTokenStore()
      token = await tokens.issue(owner, { label: 'owner' })
    }
    const { dao } = runtime.trust
    // DAO-subnet flows, executions and subnets are visible to the subnet's members (by its current policy)
    const auth = createApiAuth({ tokens, admins: [owner], subnets: (identity) => dao.subnets().filter(subnet => dao.isMember(subnet, identity)) })

    const schedules = await relaySchedules({
      engine: runtime.engine, store: runtime.store, clock: init.clock ?? systemClock(), logger, config: config.schedules,
      ...(dataDir != null ? { dataDir } : {})
    })
    closers.unshift(schedules.stop)

    const gossip = runtime.network?.events
    const app = createApiApp({
      engine: schedules.engine,
      actions: runtime.actions,
      store: runtime.store,
      auth,
      // a start operation the caller signed is admitted as its signer (the audit log names it)
      start: async (flowId, input, options) => await runtime.start(flowId, input, options),
      dao: daoViewOf(runtime.trust),
      maxBodyBytes: config.api.maxBodyBytes,
      ...(runtime.network != null ? { nodes: runtime.network.nodes, metricsSources: { peers: () => runtime.network?.libp2p.getPeers().length ?? 0 } } : {}),
      ...(gossip != null ? { remoteEvents: gossip.events, events: { subnets: config.networking.subnets, publish: async (event: string, payload: unknown, options: { subnet: string, id?: string }) => await gossip.publish(event, payload, options) } } : {}),
      log: (message: string, err: unknown) => { logger.error({ err }, message) }
    })
    mountDashboard(app, init.webRoot, () => runtime.network?.addresses() ?? [])

    let network: RelayNetwork | undefined
    if (typeof init.network === 'function') {
      network = await init.network({ config, runtime, logger })
      closers.unshift(network.close)
    } else if (runtime.network != null) {
      const net = runtime.network
      // the runtime stops its network node when it closes
      const stopNetLog = logNetworkEvents(net, logger)
      network = { addresses: net.addresses(), close: async () => { stopNetLog() } }
      closers.unshift(network.close)
      logger.info({ peerId: net.peerId, addresses: net.addresses(), subnets: net.presence.subnets }, 'network started')
    }

    const server = await serveApi({ app, host: config.api.host, port: config.api.port })
    closers.unshift(server.close)
    logger.info({ url: server.url, dataDir: dataDir ?? null, owner, schedules: schedules.scheduler.scheduled().length }, 'relay started')

    let closing: Promise<void> | undefined
    return {
      url: server.url,
      port: server.port,
      runtime,
      scheduler: schedules.scheduler,
      logger,
      ...(dataDir != null ? { dataDir } : {}),
      owner,
      token,
      ...(network != null ? { network } : {}),
      close: async () => {
        closing ??= (async () => {
          logger.info('relay stopping')
          await closeAll()
        })()
        await closing
      }
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}

export { OWNER_TOKEN_FILE }
