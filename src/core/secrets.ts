// Secret setting values (SEED settings with secret: true) are kept encrypted at rest with
// AES-256-GCM; only the masked form ("*****") is ever returned, logged or stored in clear.
// The key comes from SCALE_SECRETS_KEY (64 hex characters) or, failing that, a key file created
// once under SCALE_DATA_DIR with mode 0600.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MASK = '*****';

export interface SecretBox {
  seal(values: Record<string, string>): string;
  open(sealed: string | null): Record<string, string>;
}

export function loadSecretKey(opts: { keyHex: string | null; dataDir: string }): Buffer {
  if (opts.keyHex) {
    if (!/^[0-9a-fA-F]{64}$/.test(opts.keyHex)) throw new Error('SCALE_SECRETS_KEY must be 64 hexadecimal characters (32 bytes)');
    return Buffer.from(opts.keyHex, 'hex');
  }
  const file = path.join(opts.dataDir, 'secrets.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err: any) {
    // Another process created it first; use theirs.
    if (err?.code === 'EEXIST') return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
    throw err;
  }
}

export function createSecretBox(key: Buffer): SecretBox {
  return {
    seal(values) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
    },
    open(sealed) {
      if (!sealed) return {};
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== 'v1') throw new Error('unknown secret format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8'));
    },
  };
}
