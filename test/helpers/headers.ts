// Set by Node per connection or per instant, not by the code under test.
const TRANSPORT = new Set(['date', 'connection', 'keep-alive'])

/** An answer's headers, sorted by name, without the transport's own: for comparing two paths. */
export function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => !TRANSPORT.has(name)).sort())
}
