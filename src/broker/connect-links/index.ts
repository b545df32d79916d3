// Connect links: an agency's single-use onboarding links (issue #17 part 2).
export * from './link-view.js'
export * from './create.js'
export * from './list.js'
export * from './cancel.js'
export * from './redeem.js'
export * from './open.js'
