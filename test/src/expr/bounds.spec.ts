import { describe, expect, it } from 'vitest'
import { evaluateExpression, resolveValue } from '../../../src/expr/index.js'
import { rejection, testScope } from './fixtures.js'

const scope = testScope()

/** Rejects with the given guard code, and (loosely) quickly: a runaway must not hang the engine. */
async function expectBounded (source: string, code: string, options = {}): Promise<void> {
  const started = Date.now()
  const err = await rejection(evaluateExpression(source, scope, options))
  expect(err.name).toBe('ExpressionError')
  expect(err.details.code).toBe(code)
  expect(Date.now() - started).toBeLessThan(1000)
}

describe('time bound', () => {
  it('stops tail recursion (JSONata turns it into a loop, depth stays flat)', async () => {
    await expectBounded('($f := function($n){ $f($n+1) }; $f(0))', 'Q0001')
  })

  it('stops long loops over ranges', async () => {
    await expectBounded('$sum([1..1000000].($ * 2))', 'Q0001')
    await expectBounded('$count($map([1..1000000], function($v){ $v + 1 }))', 'Q0001')
  })

  it('stops after a single long built-in call, which cannot be interrupted', async () => {
    // building ten million numbers is one AST node: the check runs when it returns
    const err = await rejection(evaluateExpression('$sum([1..10000000])', scope, { timeoutMs: 1 }))
    expect(err.details.code).toBe('Q0001')
  })

  it('charges an evaluation its own running time, not foreign work that runs in its awaits', async () => {
    const pending = evaluateExpression('$sum($map([1..200], function($v){ $v * 2 }))', scope, { timeoutMs: 50 })
    // another task's synchronous burst (a GC pause, a big batch) lands between two hooks of this evaluation
    queueMicrotask(() => { const end = performance.now() + 150; while (performance.now() < end); })
    expect(await pending).toBe(40200)
  })

  it('says how long it allowed', async () => {
    const err = await rejection(evaluateExpression('($f := function($n){ $f($n+1) }; $f(0))', scope, { timeoutMs: 20 }))
    expect(err.message).toBe('${($f := function($n){ $f($n+1) }; $f(0))}: evaluation took longer than 20 ms')
  })

  it('shares one deadline across all templates of a resolveValue call', async () => {
    const slow = '${ $count([1..40000].($ + 1)) }'
    const one = Date.now()
    await resolveValue(slow, scope, { timeoutMs: 5000 })
    const elapsed = Date.now() - one
    const params = Array.from({ length: 40 }, () => slow)
    const err = await rejection(resolveValue(params, scope, { timeoutMs: Math.max(20, elapsed * 3) }, 'p'))
    expect(err.details.code).toBe('Q0001')
    expect(err.path).toMatch(/^p\[\d+\]$/)
  })
})

describe('depth bound', () => {
  it('stops runaway non-tail recursion', async () => {
    await expectBounded('($f := function($n){ 1 + $f($n+1) }; $f(0))', 'Q0002')
  })

  it('allows bounded recursion within maxDepth and honours the option', async () => {
    const sum = '($f := function($n){ $n = 0 ? 0 : $n + $f($n - 1) }; $f(40))'
    expect(await evaluateExpression(sum, scope)).toBe(820)
    const err = await rejection(evaluateExpression(sum, scope, { maxDepth: 50 }))
    expect(err.message).toMatch(/nested deeper than 50 levels/)
  })

  it('does not count wide array constructors as depth', async () => {
    const wide = `[${Array.from({ length: 1000 }, (_, i) => i).join(',')}]`
    expect(await evaluateExpression(`$count(${wide})`, scope, { timeoutMs: 5000 })).toBe(1000)
  })

  it('does not count group-by over many records as depth', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: `k${i}`, v: i }))
    const out = await evaluateExpression('input{ id: v }', testScope({ input: items }), { timeoutMs: 5000 }) as Record<string, number>
    expect(Object.keys(out)).toHaveLength(1000)
    expect(out.k999).toBe(999)
  })

  it('keeps the depth of parallel branches separate (nested arrays, objects, recursion)', async () => {
    const fib = '($f := function($n){ $n < 2 ? $n : $sum([$f($n-1), $f($n-2)]) }; $f(12))'
    expect(await evaluateExpression(fib, scope, { timeoutMs: 5000 })).toBe(144)
    const nested = '[[1, [2, {"a": [3, 4], "b": {"c": [5]}}]], {"x": [6, 7]}, [8]]'
    expect(await evaluateExpression(nested, scope)).toEqual([[1, [2, { a: [3, 4], b: { c: [5] } }]], { x: [6, 7] }, [8]])
    const deepTree = '($t := function($n){ $n = 0 ? 1 : {"l": $t($n-1), "r": $t($n-1)} }; $t(3))'
    const leaf = 1
    const level = (n: number): unknown => n === 0 ? leaf : { l: level(n - 1), r: level(n - 1) }
    expect(await evaluateExpression(deepTree, scope)).toEqual(level(3))
  })

  it('rejects promptly when one parallel branch fails', async () => {
    const err = await rejection(evaluateExpression('[1, [2, $error("boom")], {"a": $error("late")}]', scope))
    expect(err.message).toBe('${[1, [2, $error("boom")], {"a": $error("late")}]}: boom')
  })

  it('still catches runaway recursion inside parallel branches', async () => {
    await expectBounded('($f := function($n){ [1 + $f($n+1), 2] }; $f(0))', 'Q0002')
    // with jsonata's own timebox helper (it skips frames flagged isParallelCall) this one runs unbounded
    await expectBounded('($a := [1, 2]; $f := function($n){ 1 + $f($n+1) }; $f(0))', 'Q0002')
    await expectBounded('($a := [1, 2]; $f := function($n){ $f($n+1) }; $f(0))', 'Q0001')
  })
})

describe('$eval', () => {
  it('is disabled, so data cannot be compiled into code', async () => {
    await expectBounded('$eval("1 + 1")', 'Q0004')
    await expectBounded('$eval(input.user)', 'Q0004')
    await expectBounded('$map(["($f := function($n){ $f($n+1) }; $f(0))"], $eval)', 'Q0004')
  })

  it('cannot be restored by rebinding or looked up through the library', async () => {
    await expectBounded('($e := $eval; $e("1"))', 'Q0004')
    expect(await evaluateExpression('$lookup($, "eval")', scope)).toBeUndefined()
  })
})
