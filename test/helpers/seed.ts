// SEED manifests for tests.
let n = 0;

export function seedManifest(job: Record<string, any> = {}, iface: Record<string, any> = {}): any {
  const { interface: _i, ...rest } = job;
  return {
    seedVersion: '1.0.0',
    job: {
      name: `seed-test-${process.pid}-${++n}`,
      jobVersion: '1.0.0',
      packageVersion: '1.0.0',
      title: 'Seed test job',
      description: 'A job for the tests',
      maintainer: { name: 'Test', email: 'test@example.com' },
      timeout: 60,
      resources: { scalar: [{ name: 'cpus', value: 0.25 }, { name: 'mem', value: 32 }, { name: 'disk', value: 1 }] },
      ...rest,
      interface: { command: '', ...iface },
    },
  };
}
