/**
 * The WASM sandbox: JavaScript steps in QuickJS (compiled to WebAssembly) and WASI preview 1
 * modules, each run in a worker with hard memory, time, output and network limits.
 *
 * Platform hosts build on {@link pooledSandboxHost}: `threadSandboxHost` in node/platform,
 * `webWorkerSandboxHost` in web/platform. Steps reach it through {@link sandboxActions}.
 *
 * @example
 * const host = threadSandboxHost({ config: { allowedModules: ['dao-approved'] }, policy: localAllowList([cid]) })
 * registry.register(...sandboxActions(host))
 */
export { sandboxActions, type SandboxActionsOptions } from './actions.js'
export { cidOf, cidOfSource, parseCid } from './cid.js'
export { assertApproved, localAllowList, ANY_CODE, DAO_APPROVED, type CodePolicy, type CodePolicyContext } from './code-policy.js'
export { DEFAULT_SANDBOX_CONFIG, effectiveLimits, sandboxConfig, type EffectiveLimits, type SandboxConfig, type SandboxInit } from './config.js'
export { hostAllowed, type NetworkGrant } from './fetch-grant.js'
export { blockstoreSource, memoryBlocks, moduleRegistry, type ModuleBlocks, type ModuleRegistry, type ResolvedModule } from './module-registry.js'
export { pooledSandboxHost, type PooledSandboxHost, type PooledSandboxInit } from './pooled-sandbox-host.js'
export type { SpawnWorker, WorkerPort } from './pool/worker-port.js'
export type { PoolStats } from './pool/worker-pool.js'
export type { HostMessage, WorkerMessage } from './protocol.js'
export { compileCache, type CompileCache } from './wasm/prepare.js'
export { PROVIDED_WASI_FUNCTIONS } from './wasm/wasi-imports.js'
export { startWorkerCore, type WorkerCoreInit } from './worker/worker-core.js'
