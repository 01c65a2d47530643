// The Mesos framework assembled: one scheduler client, the offers it receives as the scheduler's
// resource provider, and the executor that launches and follows tasks; events from the master are
// routed to both. Unknown event types are logged and skipped (issue 10, point 8). A framework the
// master removed ends every task this process followed as lost (retried) and subscribes anew.
import type { MesosConfig } from '../../config.ts';
import type { NodeService } from '../../core/nodes/service.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import type { CwlRunOptions } from '../cwl-contract.ts';
import { MesosSchedulerClient } from './client.ts';
import { dbAgentUrlStore, dbFrameworkStore } from './framework-store.ts';
import { MesosExecutor } from './mesos-executor.ts';
import { MesosOffers } from './mesos-offers.ts';

const KNOWN_EVENTS = new Set(['SUBSCRIBED', 'OFFERS', 'INVERSE_OFFERS', 'RESCIND', 'RESCIND_INVERSE_OFFER', 'UPDATE', 'UPDATE_OPERATION_STATUS', 'MESSAGE', 'FAILURE', 'ERROR', 'HEARTBEAT']);

export interface MesosFramework {
  client: MesosSchedulerClient;
  provider: MesosOffers;
  executor: MesosExecutor;
  close(): Promise<void>;
}

export function createMesosFramework(deps: {
  config: MesosConfig;
  db: Db;
  nodes: NodeService;
  incarnation: string;
  /** Used when MESOS_SHARED_DIR is not set (a single machine, or SCALE_DATA_DIR on shared storage). */
  defaultSharedDir: string;
  killGraceMs: number;
  /** How agents with the cwl attribute run cwltool (SCALE_CWLTOOL, SCALE_CWL_DEFAULT_CONTAINER); null: no CWL on Mesos. */
  cwl?: CwlRunOptions | null;
  log: Logger;
  /** For tests: a faster reconnect, and shorter waits. */
  tuning?: { minBackoffMs?: number; callTimeoutMs?: number; suppressRecheckMs?: number; reconcileGraceMs?: number; killRetryMs?: number; launchTimeoutMs?: number };
}): MesosFramework {
  const { config, log } = deps;
  const client = new MesosSchedulerClient(
    config.masterUrl,
    {
      user: config.user, name: config.frameworkName, roles: [config.role], checkpoint: true, failoverTimeoutSeconds: config.failoverSeconds,
      ...(config.principal ? { principal: config.principal } : {}), ...(config.secret ? { secret: config.secret } : {}),
    },
    dbFrameworkStore(deps.db, config.frameworkName),
    log,
    { minBackoffMs: deps.tuning?.minBackoffMs, callTimeoutMs: deps.tuning?.callTimeoutMs },
  );
  const provider = new MesosOffers(
    client, deps.nodes, dbAgentUrlStore(deps.db),
    { role: config.role, incarnation: deps.incarnation, refuseSeconds: config.refuseSeconds, runtimes: ['process', 'docker'], cwlAttribute: deps.cwl ? config.cwlAttribute : '', suppressRecheckMs: deps.tuning?.suppressRecheckMs ?? 10_000,
      launchTimeoutMs: deps.tuning?.launchTimeoutMs ?? 60_000 },
    log,
  );
  const executor = new MesosExecutor(
    client, provider, deps.db,
    {
      sharedDir: config.sharedDir ?? deps.defaultSharedDir, reconcileMs: config.reconcileSeconds * 1000,
      logPollMs: config.logPollMs, cwl: deps.cwl ?? null, killGraceMs: deps.killGraceMs, killRetryMs: deps.tuning?.killRetryMs ?? Math.max(1000, deps.killGraceMs * 2), reconcileGraceMs: deps.tuning?.reconcileGraceMs ?? 5000,
    },
    log,
  );
  client.on('event', (ev) => {
    if (!KNOWN_EVENTS.has(ev.type)) {
      log.warn('an unknown event type from the Mesos master was skipped', { type: String(ev.type).slice(0, 100) });
      return;
    }
    try {
      provider.handle(ev);
      executor.handle(ev);
    } catch (err) {
      log.error('handling a Mesos event failed', { type: ev.type, err });
    }
  });
  client.on('disconnected', (reason) => provider.disconnected(reason));
  // Torn down, or its failover timeout passed: the tasks of the old framework are gone with it.
  client.on('removed', ({ message }) => {
    provider.frameworkRemoved(message);
    executor.frameworkRemoved(message);
  });
  return {
    client, provider, executor,
    async close() {
      provider.close();
      await executor.close();
      client.stop();
    },
  };
}
