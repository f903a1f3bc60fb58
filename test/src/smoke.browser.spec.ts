import { describe, it, expect } from 'vitest'
import { ErrorType } from '../../shared/errors.js'

describe('browser project', () => {
  it('runs the isomorphic core in Chromium', () => {
    expect(typeof window).toBe('object')
    expect(ErrorType.TIMEOUT_ERROR).toBe('timeout_error')
  })
})
