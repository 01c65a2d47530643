// Tiny SEED images built FROM scratch with a static busybox, so no registry pull is ever needed.
import fs from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { manifestLabel } from '../../seed-mapping/seed-manifest.ts';
import { FIXTURES } from './scale.ts';
import { tempDir } from './server.ts';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

export async function dockerAvailable(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** The manifest of the test job (fixtures/seed-image/job.sh): MODE decides what it does. */
export function testJobManifest(name: string, overrides: Record<string, any> = {}): any {
  return {
    seedVersion: '1.0.0',
    job: {
      name,
      jobVersion: '1.0.0',
      packageVersion: '1.0.0',
      title: 'Test job',
      description: 'Reads a file, writes outputs, side-cars and seed.outputs.json; or fails, sleeps',
      maintainer: { name: 'Test', email: 'test@example.com' },
      timeout: 30,
      resources: { scalar: [{ name: 'cpus', value: 0.25 }, { name: 'mem', value: 32 }, { name: 'sharedMem', value: 16 }, { name: 'disk', value: 1 }] },
      interface: {
        command: '${MODE} ${INPUT_FILE}',
        inputs: { files: [{ name: 'INPUT_FILE', required: false }], json: [{ name: 'MODE', type: 'string' }, { name: 'NUM', type: 'integer', required: false }] },
        outputs: { files: [{ name: 'RESULT', pattern: 'result*.out', mediaType: 'text/plain' }], json: [{ name: 'TOTAL', key: 'totalCount', type: 'integer', required: false }] },
        settings: [{ name: 'DB_HOST' }, { name: 'DB_PASS', secret: true }],
        mounts: [{ name: 'SHARED', path: '/shared', mode: 'ro' }],
      },
      errors: [
        { code: 3, name: 'bad-data', title: 'Bad data', description: 'The input is not usable', category: 'data' },
        { code: 4, name: 'algo-broke', title: 'Algorithm broke', category: 'job' },
      ],
      ...overrides,
    },
  };
}

/** Builds `<name>-<jobVersion>-seed:<packageVersion>` with the manifest as its label (encoded as `label` says). */
export async function buildSeedImage(manifest: any, label: (m: unknown) => string = manifestLabel, tag?: string): Promise<string> {
  const image = tag ?? `${manifest.job.name}-${manifest.job.jobVersion}-seed:${manifest.job.packageVersion}`;
  return buildImage(image, path.join(FIXTURES, 'seed-image', 'job.sh'), { 'com.ngageoint.seed.manifest': label(manifest) });
}

/**
 * Builds an image FROM scratch with a static busybox and `script` as /job.sh, its entrypoint
 * (`entrypoint: false`: no entrypoint, the command line names the program itself).
 */
export async function buildImage(image: string, script: string, labels: Record<string, string> = {}, opts: { entrypoint?: boolean } = {}): Promise<string> {
  const dir = await tempDir('image-');
  await fs.copyFile('/bin/busybox', path.join(dir, 'busybox'));
  await fs.copyFile(script, path.join(dir, 'job.sh'));
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'COPY job.sh /job.sh', ...(opts.entrypoint === false ? [] : ['ENTRYPOINT ["/bin/sh", "/job.sh"]']), ''].join('\n'),
  );
  const stream = await docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox', 'job.sh'] }, { t: image, labels });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: any[]) => {
    const failed = out?.find((o) => o.error);
    if (err || failed) reject(err ?? new Error(failed.error));
    else resolve();
  }));
  await fs.rm(dir, { recursive: true, force: true });
  return image;
}
