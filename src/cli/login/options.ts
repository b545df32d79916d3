/** Options of `igtoken login`. */
export interface LoginOptions {
  readonly flavor?: string
  readonly appId?: string
  readonly scopes?: string
  readonly redirectUri?: string
  readonly http?: boolean
  /** Commander's `--no-open`: false when given. */
  readonly open?: boolean
  readonly paste?: boolean
  readonly save?: boolean
  readonly label?: string
  readonly out?: string
  readonly timeout?: string
  readonly json?: boolean
}
