import { STARTUP_ERROR_CODES } from './app/startup-error.js'
import { SERVICE_ERROR_CODES } from './broker/service-error.js'
import { CLI_ERROR_CODES } from './cli/errors.js'
import { IGB_CODES, IGW_CODES } from './meta/index.js'
import { STORE_ERROR_CODES } from './store/store-error.js'

/**
 * Every error and warning code igtoken can report, by who reports it: the protocol library
 * (`BrokerError`, warnings), the store (`StoreError`), the domain (`ServiceError`, answered by the
 * HTTP service and the CLI), start-up (`StartupError`) and the CLI's own checks. docs/errors.md
 * has one section per entry and lists exactly these codes (test/meta/errors-doc.test.ts).
 */
export const ERROR_CODE_REGISTRY = Object.freeze({
  protocol: IGB_CODES,
  warning: IGW_CODES,
  store: STORE_ERROR_CODES,
  service: SERVICE_ERROR_CODES,
  startup: STARTUP_ERROR_CODES,
  cli: CLI_ERROR_CODES,
} as const)

/** One section of {@link ERROR_CODE_REGISTRY}. */
export type ErrorCodeSource = keyof typeof ERROR_CODE_REGISTRY
