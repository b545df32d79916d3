import { X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const DAY = 86_400_000

/** A certificate for https://localhost and where it is kept. */
export interface LocalhostCertificate {
  readonly key: string
  readonly cert: string
  readonly certFile: string
  /** True when this call made it (the browser will ask to accept it once). */
  readonly created: boolean
}

/**
 * The self-signed certificate for the HTTPS callback listener, kept in the config folder
 * (`localhost-cert.pem`, and `localhost-key.pem` with mode 0600) and made again when missing,
 * unreadable or within a week of expiry. Valid for localhost, 127.0.0.1 and ::1.
 */
export async function loadLocalhostCertificate(dir: string): Promise<LocalhostCertificate> {
  const certFile = join(dir, 'localhost-cert.pem')
  const keyFile = join(dir, 'localhost-key.pem')
  if (existsSync(certFile) && existsSync(keyFile)) {
    try {
      const cert = readFileSync(certFile, 'utf8')
      const key = readFileSync(keyFile, 'utf8')
      if (Date.parse(new X509Certificate(cert).validTo) - Date.now() > 7 * DAY) {
        return { key, cert, certFile, created: false }
      }
    } catch {
      // Unreadable or damaged: make a new one below.
    }
  }
  // Loaded only here: the certificate maker is the heaviest part of login.
  const { generate } = await import('selfsigned')
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 825 * DAY),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  writeFileSync(keyFile, pems.private, { mode: 0o600 })
  chmodSync(keyFile, 0o600)
  writeFileSync(certFile, pems.cert, { mode: 0o644 })
  return { key: pems.private, cert: pems.cert, certFile, created: true }
}
