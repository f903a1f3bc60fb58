/**
 * What the current request may see and do, set by `authMiddleware` (auth/index.ts) and read by
 * the routes. Without auth the API is open: everything is visible and allowed.
 *
 * Subnet isolation: a flow (`metadata.daoSubnet`) or execution (`context.daoSubnet`) of a DAO
 * subnet is visible only to members of that subnet (and admins); to everyone else it does not
 * exist (404), so its existence is not leaked.
 */
import type { Context } from 'hono'
import type { ApiScope } from './auth/index.js'
import { NotFoundError } from '../../src/index.js'

export interface Access {
  /** The authenticated identity, if any. */
  identity?: string
  /** False when the API runs without auth. */
  enforced: boolean
  admin: boolean
  /** Whether a resource of `subnet` (undefined: none) is visible. */
  visible(subnet: string | undefined): Promise<boolean>
  /** Whether the identity is a member of `subnet`. */
  member(subnet: string): Promise<boolean>
  /** `ForbiddenError` (403) unless the identity holds `scope`. */
  require(scope: ApiScope): Promise<void>
  /** Whether the identity may manage a resource owned or started by one of `owners`. */
  manages(...owners: Array<string | undefined>): boolean
}

export const openAccess: Access = {
  enforced: false,
  admin: true,
  visible: async () => true,
  member: async () => true,
  require: async () => {},
  manages: () => true
}

const KEY = 'qflow:access'

export function setAccess (c: Context, access: Access): void {
  c.set(KEY as never, access as never)
}

export function getAccess (c: Context): Access {
  return (c.get(KEY as never) as Access | undefined) ?? openAccess
}

/** Throws the same 404 an unknown resource gets when `subnet` is hidden from the request. */
export async function assertVisible (c: Context, subnet: string | undefined, notFound: string): Promise<void> {
  if (!await getAccess(c).visible(subnet)) throw new NotFoundError(notFound)
}
