export * from './errors.js'
export * from './flow.js'
export * from './execution.js'
