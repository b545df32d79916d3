import { IGB_INVALID_RESPONSE } from './error-codes.js'
import { BrokerError } from './errors.js'
import type { ResponseContext } from './http-transport.js'

/** Validates Meta's success bodies field by field, failing with `IGB_INVALID_RESPONSE`. */
export class WireReader {
  readonly #ctx: ResponseContext
  readonly #status: number

  /**
   * @param ctx - The call, for error context.
   * @param status - HTTP status of the answer.
   */
  constructor(ctx: ResponseContext, status: number) {
    this.#ctx = ctx
    this.#status = status
  }

  /** An `IGB_INVALID_RESPONSE` error with the call's context. */
  fail(message: string): BrokerError {
    return new BrokerError(IGB_INVALID_RESPONSE, message, {
      status: this.#status,
      method: this.#ctx.method,
      url: this.#ctx.url,
    })
  }

  /** The value as a JSON object. */
  record(value: unknown, name: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(`"${name}" must be an object`)
    }
    return value as Record<string, unknown>
  }

  /** A required non-empty string. */
  string(obj: Record<string, unknown>, name: string): string {
    const value = obj[name]
    if (value === undefined || value === null) throw this.fail(`"${name}" is missing`)
    if (typeof value !== 'string' || value === '')
      throw this.fail(`"${name}" must be a non-empty string`)
    return value
  }

  /** An optional string (`null` when absent or empty). */
  optionalString(obj: Record<string, unknown>, name: string): string | null {
    const value = obj[name]
    if (value === undefined || value === null || value === '') return null
    if (typeof value !== 'string') throw this.fail(`"${name}" must be a string`)
    return value
  }

  /**
   * An id: a non-empty string, or a JSON integer (big ones arrive as digit strings from
   * `parseMetaJson`). Always returned as a string with every digit.
   */
  id(obj: Record<string, unknown>, name: string): string {
    const value = obj[name]
    if (value === undefined || value === null) throw this.fail(`"${name}" is missing`)
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
    if (typeof value === 'string' && value !== '') return value
    throw this.fail(`"${name}" must be a non-empty string or an integer`)
  }

  /** An optional id. */
  optionalId(obj: Record<string, unknown>, name: string): string | null {
    const value = obj[name]
    return value === undefined || value === null || value === '' ? null : this.id(obj, name)
  }

  /** A positive number given as a JSON number or numeric string. */
  positiveNumber(obj: Record<string, unknown>, name: string): number {
    const value = obj[name]
    if (value === undefined || value === null) throw this.fail(`"${name}" is missing`)
    const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
      throw this.fail(`"${name}" must be a positive number`)
    }
    return n
  }

  /** An optional non-negative number (numeric strings accepted). */
  optionalNumber(obj: Record<string, unknown>, name: string): number | null {
    const value = obj[name]
    if (value === undefined || value === null || value === '') return null
    const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw this.fail(`"${name}" must be a non-negative number`)
    }
    return n
  }

  /** A list of strings given as an array or as Meta's comma-separated string. */
  stringList(obj: Record<string, unknown>, name: string): string[] {
    const value = obj[name]
    if (value === undefined || value === null) return []
    const items: unknown[] =
      typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [0]
    const out: string[] = []
    for (const item of items) {
      if (typeof item !== 'string') throw this.fail(`"${name}" must be a list of strings`)
      const trimmed = item.trim()
      if (trimmed !== '' && !out.includes(trimmed)) out.push(trimmed)
    }
    return out
  }
}
