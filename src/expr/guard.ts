/**
 * Time and depth bounds for one JSONata evaluation, driven by JSONata's
 * `__evaluate_entry` / `__evaluate_exit` hooks (see ARCHITECTURE.md in this folder).
 *
 * A plain "depth++ on entry, depth-- on exit" counter is wrong for JSONata 2.x: array
 * constructors and group-by objects evaluate their members with `Promise.all`, so the
 * counter sums every branch and `[1, 2, …, 300]` looks 300 deep. The guard therefore
 * runs parallel branches one after another (each waits in its entry hook for the previous
 * sibling to exit). Evaluation is then a single logical stack and the counter is exact.
 */

/** Qflow's own error codes, next to JSONata's `Sxxxx`/`Txxxx`/`Dxxxx`. */
export const GuardCode = {
  TIMEOUT: 'Q0001',
  DEPTH: 'Q0002',
  HOST_FUNCTION: 'Q0003',
  EVAL_DISABLED: 'Q0004',
  NOT_DATA: 'Q0005',
  INTERNAL: 'Q0006'
} as const

export class GuardError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = 'GuardError'
    this.code = code
  }
}

/** Limits shared by every expression of one resolveValue or evaluateExpression call. */
export interface RunLimits {
  /**
   * `performance.now()` value after which evaluation stops whatever it was charged: the
   * wall-clock backstop (a generous multiple of `timeoutMs`).
   */
  readonly deadline: number
  readonly timeoutMs: number
  /** Running time charged so far to the evaluations of this run (ms). */
  charged: number
  readonly maxDepth: number
  /** Epoch ms backing `$now()` / `$millis()`; read once per run. */
  readonly clock: () => number
}

/** The most running time one gap between two hooks of an evaluation is charged (ms). */
export const MAX_CHARGED_GAP_MS = 5

/** The last evaluation hook that ran, in this realm (see `#checkTime`). */
const lastHook: { guard?: object, at: number } = { at: 0 }

/** Parallel branch root → the construct (array constructor, object/group) that owns it. */
const parallelSites = new WeakMap<object, object>()
/** Regex matchers JSONata built from regex literals: the only host functions an expression may hold. */
const regexMatchers = new WeakSet<object>()

type AstNode = Record<string, unknown>

/** Records, once per compiled AST, which nodes JSONata evaluates as parallel siblings. */
export function indexParallelSites (ast: object): void {
  const seen = new WeakSet<object>()
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return
    seen.add(value)
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    const node = value as AstNode
    if (node.type === 'unary' && node.value === '[' && Array.isArray(node.expressions)) {
      for (const item of node.expressions) parallelSites.set(item, node)
    }
    if (node.type === 'unary' && node.value === '{') markPairs(node.lhs, node)
    if (node.group !== null && typeof node.group === 'object') {
      markPairs((node.group as AstNode).lhs, node.group)
    }
    for (const key of Object.keys(node)) visit(node[key])
  }
  visit(ast)
}

function markPairs (pairs: unknown, site: object): void {
  if (!Array.isArray(pairs)) return
  for (const pair of pairs) {
    if (Array.isArray(pair) && pair[1] !== null && typeof pair[1] === 'object') parallelSites.set(pair[1], site)
  }
}

interface Branch {
  readonly site: object
  readonly node: object
  readonly seq: number
  readonly done: Promise<void>
  readonly release: () => void
}

/** Per-evaluation state; the compiled expression's hooks find it through a binding. */
export class EvaluationGuard {
  readonly limits: RunLimits
  #depth = 0
  #seq = 0 // hook calls so far: siblings of one Promise.all enter on consecutive calls
  #last: Branch | undefined
  readonly #running: Branch[] = []

  constructor (limits: RunLimits) {
    this.limits = limits
  }

  entry (node: object): void | Promise<void> {
    const seq = ++this.#seq
    this.#checkTime()
    const site = parallelSites.get(node)
    if (site === undefined) {
      this.#enter()
      return
    }
    const previous = this.#last
    let release!: () => void
    const done = new Promise<void>(resolve => { release = resolve })
    const branch: Branch = { site, node, seq, done, release }
    this.#last = branch
    if (previous === undefined || previous.site !== site || previous.seq !== seq - 1) {
      this.#running.push(branch)
      this.#enter()
      return
    }
    // a later sibling of the same Promise.all: wait until the previous one has finished
    return previous.done.then(() => {
      this.#checkTime()
      this.#running.push(branch)
      this.#enter()
    })
  }

  exit (node: object, type: unknown, result: unknown): void {
    this.#seq++
    this.#depth--
    if (type === 'regex' && typeof result === 'function') regexMatchers.add(result)
    else checkNotHostFunction(result)
    if (parallelSites.has(node)) this.#finishBranch(node)
    this.#checkTime()
  }

  #enter (): void {
    if (++this.#depth > this.limits.maxDepth) {
      throw new GuardError(GuardCode.DEPTH, `evaluation nested deeper than ${this.limits.maxDepth} levels (runaway recursion?)`)
    }
  }

  /**
   * Charges the time since the previous hook to this run only when that hook was this
   * evaluation's too: JSONata awaits between steps, and under load the event loop runs other
   * evaluations and other work in those gaps, which is not this expression's running time.
   * Work that awaits nothing (I/O callbacks, a long GC pause, another task's synchronous
   * batch) can still land in a gap, so one gap is charged at most `MAX_CHARGED_GAP_MS`: a
   * runaway expression makes many hook calls and still reaches its limit, and a single long
   * synchronous built-in call is caught by the wall-clock backstop.
   */
  #checkTime (): void {
    const now = performance.now()
    if (lastHook.guard === this) this.limits.charged += Math.min(now - lastHook.at, MAX_CHARGED_GAP_MS)
    lastHook.guard = this
    lastHook.at = now
    if (this.limits.charged > this.limits.timeoutMs || now > this.limits.deadline) {
      throw new GuardError(GuardCode.TIMEOUT, `evaluation took longer than ${this.limits.timeoutMs} ms`)
    }
  }

  #finishBranch (node: object): void {
    // evaluation is sequential, so the branch exiting is the innermost running one
    for (let i = this.#running.length - 1; i >= 0; i--) {
      const branch = this.#running[i]
      if (branch.node === node) {
        this.#running.splice(i, 1)
        branch.release()
        return
      }
    }
  }
}

/**
 * Data in the scope may hold host functions (own properties); JSONata would call them.
 * Every value an expression can call passes through some node's exit first, including
 * one-item sequences that JSONata unwraps after the hook.
 */
function checkNotHostFunction (result: unknown): void {
  let value = result
  if (Array.isArray(value) && value.length === 1) value = value[0]
  if (typeof value === 'function' && !regexMatchers.has(value)) {
    throw new GuardError(GuardCode.HOST_FUNCTION, 'a host function cannot be used in an expression')
  }
}
