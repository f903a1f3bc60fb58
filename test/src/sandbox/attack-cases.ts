/**
 * The attack suite, shared by the Node (worker_threads) and Chromium (Web Worker) specs.
 * Every case runs against a live host; the suite then checks that the host realm is unchanged
 * and that the next execution works in a fresh context.
 */
import { expect } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import type { ResourceLimits } from '../../../shared/flow.js'

export interface AttackCase {
  name: string
  kind: 'function' | 'wasm'
  /** JavaScript body (function) or fixture name (wasm). */
  source: string
  limits?: ResourceLimits
  /** The error type the case must fail with... */
  error?: ErrorType
  /** ...or a check of its output. */
  output?: (output: unknown) => void
}

const QUICK: ResourceLimits = { maxExecutionTimeMs: 400 }
/** Small memory so bombs hit the limit fast; a generous deadline so they hit memory first. */
const BOMB: ResourceLimits = { maxMemoryMB: 16, maxExecutionTimeMs: 10_000 }
const HOST_NAMES = ['process', 'require', 'module', 'Buffer', 'global', 'window', 'self', 'document', 'postMessage',
  'importScripts', 'fetch', 'XMLHttpRequest', 'WebSocket', 'Worker', 'SharedWorker', 'setTimeout', 'setInterval',
  'queueMicrotask', 'WebAssembly', 'navigator', 'location', 'indexedDB', 'caches', 'crypto', 'Deno', 'Bun']

const absent = (output: unknown): void => {
  expect(output).toEqual(Object.fromEntries(HOST_NAMES.map(n => [n, 'undefined'])))
}
const probeGlobals = (expr: string): string =>
  `const g = ${expr}; return Object.fromEntries(${JSON.stringify(HOST_NAMES)}.map(n => [n, typeof g[n]]))`

export const ATTACK_CASES: AttackCase[] = [
  // infinite loops
  { name: 'plain infinite loop', kind: 'function', source: 'while (true) {}', limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'infinite loop in a promise chain', kind: 'function', source: 'const f = () => Promise.resolve().then(f); await f()', limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'infinite await loop', kind: 'function', source: 'for (;;) await null', limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'infinite loop in a WASM function', kind: 'wasm', source: 'loop', limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'catastrophic regular expression backtracking', kind: 'function', source: "return /(a+)+$/.test('a'.repeat(40) + 'b')", limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'a long native call QuickJS cannot interrupt', kind: 'function', source: "return 'x'.repeat(1e8).length", limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'blocking the thread with Atomics.wait', kind: 'function', source: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)', error: ErrorType.EXECUTION_ERROR },
  { name: 'a log argument whose toJSON never returns', kind: 'function', source: 'console.log({ toJSON () { for (;;) {} } })', limits: QUICK, error: ErrorType.TIMEOUT_ERROR },
  { name: 'a thrown object whose getters never return', kind: 'function', source: 'throw { get message () { for (;;) {} }, get name () { for (;;) {} } }', limits: QUICK, error: ErrorType.EXECUTION_ERROR },
  // deep recursion
  { name: 'unbounded recursion', kind: 'function', source: 'function f () { return f() + 1 } return f()', error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'deeply nested JSON.parse', kind: 'function', source: "return JSON.parse('['.repeat(1e6))", error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'unbounded recursion in WASM', kind: 'wasm', source: 'recursion', error: ErrorType.RESOURCE_EXHAUSTED },
  // memory bombs
  { name: 'array growth', kind: 'function', source: 'const a = []; for (;;) a.push(a.length)', limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'object graph growth', kind: 'function', source: "const a = []; for (;;) a.push({ k: a.length, s: 'x' + a.length })", limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'string doubling', kind: 'function', source: "let s = 'x'; for (;;) s += s", limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'typed arrays', kind: 'function', source: 'const a = []; for (;;) a.push(new Float64Array(1 << 17))', limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'one huge ArrayBuffer', kind: 'function', source: 'return new ArrayBuffer(1 << 30).byteLength', limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'memory.grow bomb', kind: 'wasm', source: 'grow-bomb', limits: BOMB, error: ErrorType.RESOURCE_EXHAUSTED },
  // reaching host objects
  { name: 'globalThis holds no host object', kind: 'function', source: probeGlobals('globalThis'), output: absent },
  { name: 'this.constructor.constructor', kind: 'function', source: probeGlobals("this.constructor.constructor('return this')()"), output: absent },
  { name: 'Function constructor', kind: 'function', source: probeGlobals("Function('return this')()"), output: absent },
  { name: 'host functions lead back to the guest only', kind: 'function', source: probeGlobals("console.log.constructor('return this')()"), output: absent },
  { name: 'dynamic import()', kind: 'function', source: "const fs = await import('node:fs'); return typeof fs", error: ErrorType.EXECUTION_ERROR },
  { name: 'require', kind: 'function', source: "return require('node:child_process').execSync('id').toString()", error: ErrorType.EXECUTION_ERROR },
  { name: 'process', kind: 'function', source: 'process.exit(1)', error: ErrorType.EXECUTION_ERROR },
  { name: 'error stacks show guest frames only', kind: 'function', source: 'return new Error("x").stack', output: out => expect(String(out)).not.toMatch(/node:|file:|https?:|\/work\/|\.ts/) },
  // QuickJS's AsyncFunction constructor lets a body close the wrapper; that only ever reaches the guest's own realm
  { name: 'breaking out of the function wrapper', kind: 'function', source: '}); globalThis.escaped = 1; (async function () {', output: out => expect(out).toBeNull() },
  // prototype pollution through output JSON
  { name: '__proto__ in the output', kind: 'function', source: `return JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}')`, output: out => { expect(out).toEqual({ ok: 1 }); expect(Object.getPrototypeOf(out)).toBe(Object.prototype) } },
  { name: 'constructor.prototype in the output', kind: 'function', source: 'return { constructor: { prototype: { polluted: true } } }', output: out => {
    const merged = Object.assign({}, out) as { constructor: unknown }
    expect(merged.constructor).toEqual({ prototype: { polluted: true } })
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
  } },
  { name: 'polluting the guest realm does not outlive the run', kind: 'function', source: 'Object.prototype.polluted = true; Array.prototype.push = null; globalThis.leak = 1; return 1', output: out => expect(out).toBe(1) },
  // files, environment, network without a grant
  { name: 'no fetch, XMLHttpRequest or WebSocket', kind: 'function', source: "await fetch('https://example.com/')", error: ErrorType.EXECUTION_ERROR },
  { name: 'WASI files and environment are empty', kind: 'wasm', source: 'files', output: out => expect(out).toEqual({ prestat: 8, open: 8, environ: 0 }) },
  { name: 'a module importing sockets', kind: 'wasm', source: 'socket-import', error: ErrorType.VALIDATION_ERROR },
  // huge outputs
  { name: 'huge function output', kind: 'function', source: "return 'x'.repeat(2e6)", limits: { maxOutputBytes: 1e6 }, error: ErrorType.RESOURCE_EXHAUSTED },
  { name: 'huge WASM output', kind: 'wasm', source: 'flood', limits: { maxOutputBytes: 1e6 }, error: ErrorType.RESOURCE_EXHAUSTED },
  // modules
  { name: 'a module importing a host function the host did not provide', kind: 'wasm', source: 'unknown-import', error: ErrorType.VALIDATION_ERROR },
  { name: 'a module importing a memory', kind: 'wasm', source: 'imported-memory', error: ErrorType.VALIDATION_ERROR },
  { name: 'a module declaring an enormous memory', kind: 'wasm', source: 'huge-memory', error: ErrorType.RESOURCE_EXHAUSTED },
  // spawning workers
  { name: 'spawning a worker', kind: 'function', source: "new Worker('data:text/javascript,postMessage(1)')", error: ErrorType.EXECUTION_ERROR },
  { name: 'scheduling work after the run', kind: 'function', source: 'setTimeout(() => { for (;;) {} }, 0); return 1', error: ErrorType.EXECUTION_ERROR }
]
