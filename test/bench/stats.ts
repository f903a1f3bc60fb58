/** Small helpers for benchmarks: percentiles and one-line figures. */
export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[i]
}

export function fmt (n: number, digits = 1): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits)
}

/** `name: value unit (goal ...: met|MISSED)` */
export function figure (name: string, value: number, unit: string, goal?: { op: '<=' | '>=', value: number }): string {
  let line = `${name}: ${fmt(value)} ${unit}`
  if (goal != null) {
    const met = goal.op === '<=' ? value <= goal.value : value >= goal.value
    line += ` (goal ${goal.op} ${fmt(goal.value)} ${unit}: ${met ? 'met' : 'MISSED'})`
  }
  return line
}
