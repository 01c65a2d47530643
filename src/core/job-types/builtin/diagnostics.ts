// Scale's diagnostic job types and recipe type (v6 /diagnostics/): scale-hello, scale-roulette and
// scale-bake, and scale-casino, a chain of three roulette jobs for watching recipes meet failures.
// Made when first asked for, as system job types run as local processes (in the server's own by
// a local executor: programs.ts) and kept off the OGC process list.
import { DIAGNOSTICS_SCRIPT } from './programs.ts';

export type DiagnosticJob = 'hello' | 'roulette' | 'bake';
export const DIAGNOSTIC_JOBS: DiagnosticJob[] = ['hello', 'roulette', 'bake'];
export const CASINO = 'scale-casino';

const TITLES: Record<DiagnosticJob, [string, string]> = {
  hello: ['Scale Hello', 'Prints a hello message: for testing and measuring job throughput'],
  roulette: ['Scale Roulette', 'Completes or fails at even odds: for testing jobs that both complete and fail'],
  bake: ['Scale Bake', 'Runs for 15 minutes (or its seconds input) and completes: for jobs that take a while'],
};

export const diagnosticJobName = (kind: DiagnosticJob) => `scale-${kind}`;

export function diagnosticManifest(kind: DiagnosticJob): Record<string, unknown> {
  const [title, description] = TITLES[kind];
  return {
    seedVersion: '1.0.0',
    job: {
      name: diagnosticJobName(kind), jobVersion: '1.0.0', packageVersion: '1.0.0', title, description, tags: ['diagnostic'],
      maintainer: { name: 'scale-ades', email: 'scale-ades@localhost' },
      timeout: kind === 'bake' ? 3600 : 60,
      resources: { scalar: [{ name: 'cpus', value: 0.1 }, { name: 'mem', value: 32 }, { name: 'disk', value: 1 }] },
      interface: {
        // SEED commands are split on spaces (no quoting): the paths must not contain any.
        command: `${process.execPath} ${DIAGNOSTICS_SCRIPT} ${kind}`,
        ...(kind === 'bake' ? { inputs: { json: [{ name: 'seconds', type: 'integer', required: false }] } } : {}),
      },
      ...(kind === 'roulette' ? { errors: [{ code: 1, name: 'roulette-lost', title: 'Lost at roulette', description: 'The roulette job lost, as it does half the time', category: 'job' }] } : {}),
    },
  };
}

/** The casino: three roulette jobs (of this roulette revision), each after the one before. */
export function casinoDefinition(rouletteRevision: number): Record<string, unknown> {
  const node = (after: string | null) => ({
    dependencies: after ? [{ name: after, acceptance: true }] : [], input: {},
    node_type: { node_type: 'job', job_type_name: diagnosticJobName('roulette'), job_type_version: '1.0.0', job_type_revision: rouletteRevision },
  });
  return { version: '7', input: { files: [], json: [] }, nodes: { 'roulette-1': node(null), 'roulette-2': node('roulette-1'), 'roulette-3': node('roulette-2') } };
}
