// A real Docker registry (HTTP API v2, Debian's docker-registry) on a free port, for discovery tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './process.ts';
import { tempDir, waitFor } from './server.ts';

export interface LocalRegistry {
  url: string;
  host: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = await tempDir('registry-');
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(config, ['version: 0.1', 'storage:', `  filesystem:`, `    rootdirectory: ${dir}/data`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const proc: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/v2/`).catch(() => null))?.ok, { timeoutMs: 15000, what: 'the registry' });
  return {
    url,
    host: `127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
