// The local node: this machine (or a share of it) as one node of the cluster, owned by this process.
// It offers the runtimes this process has: child processes, and containers when a Docker engine answers.
import fs from 'node:fs/promises';
import os from 'node:os';
import type { Node, NodeService, Resources } from '../../core/nodes/service.ts';
import type { Offer, Runtime, Slots } from '../../scheduler/placement.ts';
import type { ResourceProvider } from '../../scheduler/scheduler.ts';

const MIB = 1024 * 1024;

/** What this machine has: CPUs, memory, and free disk under dir, each overridable. */
export async function machineResources(dir: string, override: { cpus: number | null; mem: number | null; disk: number | null }): Promise<Resources> {
  let disk = override.disk;
  if (disk === null) {
    await fs.mkdir(dir, { recursive: true });
    const st = await fs.statfs(dir);
    disk = Math.floor((st.bavail * st.bsize) / MIB);
  }
  return {
    cpus: override.cpus ?? os.cpus().length,
    mem: override.mem ?? Math.floor(os.totalmem() / MIB),
    disk,
  };
}

export function createLocalNodeProvider(deps: {
  nodes: NodeService;
  name: string;
  port: number | null;
  total: () => Promise<Resources>;
  runtimes: Runtime[];
  incarnation: string;
  workDir: string;
  /** Free slots per runtime now (containers in flight), when limited. */
  slots?: () => Slots;
}): ResourceProvider {
  let node: Node | null = null;
  return {
    async register() {
      node = await deps.nodes.register({
        hostname: os.hostname(), port: deps.port, slaveId: deps.name, executor: deps.runtimes.includes('process') ? 'local' : 'docker', total: await deps.total(), runtimes: deps.runtimes,
        incarnation: deps.incarnation, workDir: deps.workDir,
      });
      return [node];
    },
    // Pause and deprecation are checked by the claim itself, inside its transaction.
    async offers(allocated: Resources): Promise<Offer[]> {
      if (!node) return [];
      const total = node.total;
      const free = { cpus: total.cpus - allocated.cpus, mem: total.mem - allocated.mem, disk: total.disk - allocated.disk };
      return [{ nodeId: node.id, total, runtimes: node.runtimes, free, slots: deps.slots?.() }];
    },
  };
}
