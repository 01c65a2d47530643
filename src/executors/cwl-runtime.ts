// The `cwl` runtime on a node: cwltool runs as a local process (through the launcher, like any
// command) with the CWL contract, and drives the node's Docker engine itself. What it leaves behind
// when it is killed or its server dies — containers still running — is found by the container ids it
// wrote (--cidfile-dir) and removed.
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { cwlContract, cwlLayout, type CwlRunOptions } from './cwl-contract.ts';
import { STEP_COMPLETED, stepProgress, topLevelSteps } from './cwl-progress.ts';
import type { LocalRuntime } from './local/local-executor.ts';

export function cwlRuntime(opts: CwlRunOptions & { docker: Docker }): LocalRuntime {
  return {
    kind: 'cwl',
    contract: (spec, _layout, exeDir) => cwlContract(spec, exeDir, opts),
    progress(spec) {
      const steps = topLevelSteps(spec.iface.cwl?.document);
      return steps.length ? { watch: STEP_COMPLETED, line: stepProgress(steps) } : null;
    },
    async leftovers(_exeId, exeDir) {
      const dir = cwlLayout(exeDir).cidDir;
      const files = await fs.readdir(dir).catch(() => [] as string[]);
      for (const f of files) {
        const id = (await fs.readFile(path.join(dir, f), 'utf8').catch(() => '')).trim();
        if (!/^[0-9a-f]{12,64}$/.test(id)) continue;
        await opts.docker.getContainer(id).remove({ force: true }).catch(() => {});
      }
    },
  };
}
