/** Param schema helpers: a typed value, or a string holding a `${expr}` resolved at run time. */
import { z } from 'zod'

export const template = z.string().regex(/\$\{/, { error: 'must be a value or a ${expression}' })

export function orExpr<T extends z.ZodType> (schema: T): z.ZodUnion<[T, typeof template]> {
  return z.union([schema, template])
}

export const nonNegativeMs = orExpr(z.number({ error: 'must be a number of milliseconds' }).min(0, { error: 'must be >= 0' }))
