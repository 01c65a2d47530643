// Mesos offers as the scheduler's resource provider (issue 10, point 2). Every agent that offers
// becomes a node; its outstanding offers, less what this process has placed there and not yet
// launched, are the room the scheduler places work in. Launches on an agent are gathered and sent
// as one ACCEPT with one LAUNCH holding all its tasks (as Scale does); offers a pass left unused go
// back with DECLINE and a refuse filter; an empty queue SUPPRESSes offers and new work REVIVEs them;
// RESCIND and agent removal (FAILURE) take offers and agents away. Events apply in the order received:
// an offer rescinded before this process has finished reading it is never used nor declined. A task's
// resources are taken from its offers exactly as offered (role, reservation, allocation_info).
import type { Node, NodeService, Resources } from '../../core/nodes/service.ts';
import type { Logger } from '../../log.ts';
import type { Offer, Runtime } from '../../scheduler/placement.ts';
import type { ResourceProvider } from '../../scheduler/scheduler.ts';
import type { MesosSchedulerClient } from './client.ts';
import type { AgentUrlStore } from './framework-store.ts';
import { bindResources, type OfferedScalar, readOffer } from './offers.ts';

export interface MesosOffersOptions {
  /** The role resources are accepted in ("*" unless a role is configured). */
  role: string;
  incarnation: string;
  /** DECLINE's refuse filter: how long the master keeps an unused offer's resources from us. */
  refuseSeconds: number;
  /** The runtimes every agent offers: Docker images through the Docker containerizer, commands through the command executor. */
  runtimes: Runtime[];
  /** The agent attribute that adds the cwl runtime (cwltool as a command task); empty: no agent runs CWL. */
  cwlAttribute?: string;
  /** While offers are suppressed, they are revived this often anyway (work queued through other server processes). */
  suppressRecheckMs: number;
  /** A launch no offer from its agent has taken within this long fails (task-launch, retried elsewhere). */
  launchTimeoutMs: number;
}

interface Agent {
  agentId: string;
  node: Node;
  hostname: string;
  /** The agent's own HTTP endpoint (Offer.url), for /files/read. */
  url: string | null;
  total: Resources;
  lost: boolean;
}

interface HeldOffer {
  offerId: string;
  agentId: string;
  resources: Record<string, number>;
  /** The offered scalars as the master wrote them, which a task's resources are taken from. */
  scalars: OfferedScalar[];
}

interface Launch {
  exeId: number;
  taskInfo: Record<string, any>;
  /** What the task asks for (name, amount); its resources are taken from the offers it launches on. */
  want: Array<Record<string, any>>;
  need: Resources;
  since: number;
  attempts: number;
  resolve: (r: LaunchSent) => void;
  reject: (err: Error) => void;
}

/** How a launch left: taken by the master (202), or sent without an answer (it may or may not run: reconcile it). */
export interface LaunchSent {
  uncertain: boolean;
}

const DIMS = ['cpus', 'mem', 'disk', 'gpus'] as const;
type Full = Required<Resources>;
const zero = (): Full => ({ cpus: 0, mem: 0, disk: 0, gpus: 0 });
const add = (a: Resources, b: Resources): Full => ({ cpus: a.cpus + b.cpus, mem: a.mem + b.mem, disk: a.disk + b.disk, gpus: (a.gpus ?? 0) + (b.gpus ?? 0) });
const EPS = 1e-9;

/** What a TaskInfo asks for, in the scheduler's dimensions. */
export function taskNeed(taskInfo: Record<string, any>): Full {
  const r = zero();
  for (const res of taskInfo.resources ?? []) if (res.name in r && typeof res.scalar?.value === 'number') r[res.name as keyof Resources] += res.scalar.value;
  return r;
}

export class MesosOffers implements ResourceProvider {
  private readonly agents = new Map<string, Agent>();
  private readonly byNode = new Map<number, Agent>();
  private readonly held = new Map<string, HeldOffer>();
  /** Placed by a pass, not launched yet: counted against the agent's offers until launched or released. */
  private readonly reserved = new Map<number, { agentId: string; need: Resources }>();
  private readonly launching = new Map<string, Launch[]>();
  private readonly flushTimers = new Map<string, NodeJS.Timeout>();
  private suppressedAt: number | null = null;
  private declinedSinceRevive = false;
  private reviveTimer: NodeJS.Timeout | null = null;
  private lastRevive = 0;
  private serial: Promise<void> = Promise.resolve();
  /** Offers rescinded while earlier events were still being handled: never taken up afterwards. */
  private readonly rescinded = new Set<string>();
  /** Counts subscriptions: offers of an earlier one, still being read when it ended, are not held. */
  private generation = 0;
  /** Called when offers arrive (the scheduler makes a pass). */
  onChange: () => void = () => {};

  constructor(
    private readonly client: MesosSchedulerClient,
    private readonly nodeService: NodeService,
    private readonly agentUrls: AgentUrlStore,
    private readonly opts: MesosOffersOptions,
    private readonly log: Logger,
  ) {}

  /** Starts the framework and returns the agents known from before (their running tasks are reconciled). */
  async register(): Promise<Node[]> {
    await this.client.start();
    const known: Node[] = [];
    const mesosNodes = (await this.nodeService.active()).filter((x) => x.executor === 'mesos');
    const urls = await this.agentUrls.load(mesosNodes.map((n) => n.slaveId));
    for (const n of mesosNodes) {
      // This process owns the framework's agents now (stamped with its incarnation, as their heartbeats expect).
      const node = await this.nodeService.register({ hostname: n.hostname, port: n.port, slaveId: n.slaveId, executor: 'mesos', total: n.total, runtimes: n.runtimes, incarnation: this.opts.incarnation });
      this.remember({ agentId: node.slaveId, node, hostname: node.hostname, url: urls.get(node.slaveId) ?? null, total: node.total, lost: false });
      known.push(node);
    }
    return known;
  }

  /** What an agent runs: every agent commands and images; CWL where its attributes say cwltool is there. */
  private runtimesOf(attributes: Record<string, string | number>): Runtime[] {
    const a = this.opts.cwlAttribute;
    const cwl = !!a && a in attributes && !/^(false|no|0)$/i.test(String(attributes[a]));
    return cwl ? [...this.opts.runtimes, 'cwl'] : this.opts.runtimes;
  }

  nodes(): Node[] {
    return [...this.agents.values()].filter((a) => !a.lost).map((a) => a.node);
  }

  agentOfNode(nodeId: number): { agentId: string; url: string | null } | null {
    const a = this.byNode.get(nodeId);
    return a && !a.lost ? { agentId: a.agentId, url: a.url } : null;
  }

  agentUrl(agentId: string): string | null {
    return this.agents.get(agentId)?.url ?? null;
  }

  /** Events from the master that concern offers and agents; the rest are ignored here. */
  handle(ev: Record<string, any>): void {
    if (ev.type === 'OFFERS') {
      const list = Array.isArray(ev.offers?.offers) ? ev.offers.offers : [];
      const generation = this.generation;
      this.serial = this.serial.then(() => this.receive(list, generation)).catch((err) => this.log.error('handling Mesos offers failed', { err }));
    } else if (ev.type === 'RESCIND') {
      const id = ev.rescind?.offer_id?.value;
      if (typeof id === 'string') {
        // The offer may still be on its way through receive() (OFFERS and RESCIND in one chunk): it must not
        // be held afterwards, or a LAUNCH or DECLINE would name an offer the master has taken back.
        this.held.delete(id);
        this.rescinded.add(id);
        if (this.rescinded.size > 10_000) this.rescinded.delete(this.rescinded.values().next().value!);
      }
    } else if (ev.type === 'FAILURE' && ev.failure?.agent_id?.value && !ev.failure.executor_id) {
      this.agentRemoved(String(ev.failure.agent_id.value));
    } else if (ev.type === 'SUBSCRIBED') {
      // A new subscription starts with no outstanding offers and unsuppressed; refuse filters set
      // before may still hold, so new work revives, and launches waiting for offers revive now.
      this.held.clear();
      this.rescinded.clear();
      this.generation++;
      this.suppressedAt = null;
      this.declinedSinceRevive = true;
      if (this.launching.size || this.reserved.size) this.workQueued();
    }
  }

  /**
   * The master removed the framework: its offers are gone, and launches not yet sent are lost (their task ids
   * name the removed framework); they are retried as new executions.
   */
  frameworkRemoved(message: string): void {
    this.held.clear();
    this.generation++;
    for (const [, list] of this.launching) {
      for (const l of list) l.reject(Object.assign(new Error(`the Mesos master removed the framework before the task was launched: ${message}`), { lost: true }));
    }
    this.launching.clear();
  }

  /** Offers die with the subscription they came on. */
  disconnected(reason: string): void {
    this.log.warn('the Mesos master stream was lost; its offers with it', { reason });
    this.held.clear();
    this.generation++;
  }

  private remember(a: Agent): void {
    this.agents.set(a.agentId, a);
    this.byNode.set(a.node.id, a);
  }

  private async receive(list: unknown[], generation: number): Promise<void> {
    const refuse: string[] = [];
    for (const raw of list) {
      const { value: o, problem } = readOffer(raw, this.opts.role);
      if (!o) {
        this.log.warn('a malformed Mesos offer was skipped', { problem });
        continue;
      }
      if (this.rescinded.has(o.offerId)) {
        this.log.debug('an offer rescinded before it was read was skipped', { offer: o.offerId });
        continue;
      }
      if (o.ignored.length && !this.agents.has(o.agentId)) this.log.info('offer resources that are not scalars are not used', { agent: o.hostname, resources: o.ignored });
      if (o.foreignRole) {
        // Scale declines an offer that carries a resource of a role it does not accept.
        this.log.info('declining an offer with resources of another role', { agent: o.hostname, role: o.foreignRole });
        refuse.push(o.offerId);
        continue;
      }
      const offered: Full = { cpus: o.resources.cpus ?? 0, mem: o.resources.mem ?? 0, disk: o.resources.disk ?? 0, gpus: o.resources.gpus ?? 0 };
      let agent = this.agents.get(o.agentId);
      const url = agentUrlOf(raw);
      const runtimes = this.runtimesOf(o.attributes);
      if (!agent || agent.lost || agent.node.runtimes.join() !== runtimes.join()) {
        const total = agent ? maxOf(agent.total, offered) : offered;
        const node = await this.nodeService.register({
          hostname: o.hostname, port: portOf(raw), slaveId: o.agentId, executor: 'mesos', total, runtimes, incarnation: this.opts.incarnation,
        });
        agent = { agentId: o.agentId, node, hostname: o.hostname, url, total, lost: false };
        this.remember(agent);
        if (url) await this.agentUrls.save(o.agentId, url);
      } else {
        if (url && url !== agent.url) {
          agent.url = url;
          await this.agentUrls.save(o.agentId, url);
        }
        // An agent shows more of itself as other frameworks' tasks end: its size is the most it ever offered.
        const grown = maxOf(agent.total, add(offered, this.committed(agent.agentId)));
        if (DIMS.some((d) => grown[d] > (agent!.total[d] ?? 0) + EPS)) {
          agent.total = grown;
          agent.node = { ...agent.node, total: grown };
          await this.nodeService.setTotal(agent.node.id, grown);
        }
      }
      // Rescinded while this pass was registering the agent, or of a subscription that has ended: not ours any more.
      if (this.rescinded.has(o.offerId) || generation !== this.generation) continue;
      this.held.set(o.offerId, { offerId: o.offerId, agentId: o.agentId, resources: o.resources, scalars: o.scalars });
    }
    const stillOurs = generation === this.generation ? refuse.filter((id) => !this.rescinded.has(id)) : [];
    if (stillOurs.length) void this.decline(stillOurs);
    // Waiting launches take the new offers first.
    for (const agentId of this.launching.keys()) this.flush(agentId);
    this.onChange();
  }

  private agentRemoved(agentId: string): void {
    const agent = this.agents.get(agentId);
    this.log.warn('a Mesos agent was removed', { agent: agent?.hostname ?? agentId });
    for (const o of [...this.held.values()]) if (o.agentId === agentId) this.held.delete(o.offerId);
    for (const l of this.launching.get(agentId) ?? []) l.reject(Object.assign(new Error(`agent ${agentId} was removed before the task was launched`), { lost: true }));
    this.launching.delete(agentId);
    if (agent) agent.lost = true;
  }

  /** Resources placed or launching on an agent that its offers must still cover. */
  private committed(agentId: string): Full {
    let r = zero();
    for (const v of this.reserved.values()) if (v.agentId === agentId) r = add(r, v.need);
    for (const l of this.launching.get(agentId) ?? []) r = add(r, l.need);
    return r;
  }

  private offered(agentId: string): { ids: string[]; pool: OfferedScalar[] } {
    const ids: string[] = [];
    const pool: OfferedScalar[] = [];
    for (const o of this.held.values()) {
      if (o.agentId !== agentId) continue;
      ids.push(o.offerId);
      for (const x of o.scalars) pool.push({ ...x });
    }
    return { ids, pool };
  }

  async offers(): Promise<Offer[]> {
    this.expireLaunches();
    if (this.suppressedAt !== null && Date.now() - this.suppressedAt > this.opts.suppressRecheckMs) this.revive('periodic check for work queued elsewhere');
    const byAgent = new Map<string, Full>();
    for (const o of this.held.values()) {
      const room = byAgent.get(o.agentId) ?? zero();
      for (const d of DIMS) room[d] += o.resources[d] ?? 0;
      byAgent.set(o.agentId, room);
    }
    const out: Offer[] = [];
    for (const [agentId, room] of byAgent) {
      const agent = this.agents.get(agentId);
      if (!agent || agent.lost) continue;
      const used = this.committed(agentId);
      const free = zero();
      for (const d of DIMS) free[d] = Math.max(0, room[d] - used[d]);
      out.push({ nodeId: agent.node.id, total: agent.total, free, runtimes: agent.node.runtimes });
    }
    return out;
  }

  passed(r: { placed: { exeId: number; nodeId: number; need: Resources }[]; queued: boolean }): void {
    for (const p of r.placed) {
      const agent = this.byNode.get(p.nodeId);
      if (agent) this.reserved.set(p.exeId, { agentId: agent.agentId, need: p.need });
    }
    const busy = new Set<string>([...this.reserved.values()].map((v) => v.agentId));
    for (const [agentId, list] of this.launching) if (list.length) busy.add(agentId);
    const unused = [...this.held.values()].filter((o) => !busy.has(o.agentId)).map((o) => o.offerId);
    if (unused.length) void this.decline(unused);
    if (!r.queued && busy.size === 0 && this.suppressedAt === null) void this.suppress();
  }

  workQueued(): void {
    if (this.suppressedAt === null && !this.declinedSinceRevive) return;
    // Many jobs are often queued at once: one REVIVE for them, at most every 200 ms.
    if (this.reviveTimer) return;
    const wait = Math.max(0, this.lastRevive + 200 - Date.now());
    this.reviveTimer = setTimeout(() => {
      this.reviveTimer = null;
      this.revive('work was queued');
    }, wait);
  }

  private revive(why: string): void {
    if (!this.client.connected) return;
    this.lastRevive = Date.now();
    this.suppressedAt = null;
    this.declinedSinceRevive = false;
    this.log.debug('reviving Mesos offers', { why });
    this.client.call('REVIVE', { revive: this.opts.role !== '*' ? { roles: [this.opts.role] } : {} }).catch((err) => this.log.warn('REVIVE failed', { err }));
  }

  private async suppress(): Promise<void> {
    if (!this.client.connected) return;
    this.suppressedAt = Date.now();
    await this.client.call('SUPPRESS', { suppress: this.opts.role !== '*' ? { roles: [this.opts.role] } : {} }).catch((err) => this.log.warn('SUPPRESS failed', { err }));
  }

  private async decline(offerIds: string[]): Promise<void> {
    for (const id of offerIds) this.held.delete(id);
    this.declinedSinceRevive = true;
    if (!this.client.connected) return;
    await this.client
      .call('DECLINE', { decline: { offer_ids: offerIds.map((value) => ({ value })), filters: { refuse_seconds: this.opts.refuseSeconds } } })
      .catch((err) => this.log.warn('DECLINE failed', { err }));
  }

  /**
   * Launches a task on the agent the scheduler placed its execution on; resolves once the master has
   * taken the ACCEPT (the task's fate then comes as status updates), rejects when it cannot be sent.
   */
  launch(exeId: number, agentId: string, taskInfo: Record<string, any>): Promise<LaunchSent> {
    const need = this.reserved.get(exeId)?.need ?? taskNeed(taskInfo);
    this.reserved.delete(exeId);
    return new Promise((resolve, reject) => {
      const list = this.launching.get(agentId) ?? [];
      const want = Array.isArray(taskInfo.resources) ? taskInfo.resources : [];
      list.push({ exeId, taskInfo, want, need, since: Date.now(), attempts: 0, resolve, reject });
      this.launching.set(agentId, list);
      // Launches placed by one pass reach here within a few milliseconds of each other: one ACCEPT for them.
      if (!this.flushTimers.has(agentId)) {
        this.flushTimers.set(agentId, setTimeout(() => {
          this.flushTimers.delete(agentId);
          this.flush(agentId);
        }, 5));
      }
    });
  }

  /** Takes a launch back before it was sent (its launch() rejects as canceled); false when it is already on its way. */
  cancelLaunch(exeId: number): boolean {
    this.reserved.delete(exeId);
    for (const [agentId, list] of this.launching) {
      const i = list.findIndex((l) => l.exeId === exeId);
      if (i >= 0) {
        const [l] = list.splice(i, 1);
        if (!list.length) this.launching.delete(agentId);
        l.reject(Object.assign(new Error('killed before it was launched'), { canceled: true }));
        return true;
      }
    }
    return false;
  }

  /** Launches waiting too long for an offer from their agent give up (the agent may be gone without a word). */
  private expireLaunches(): void {
    const before = Date.now() - this.opts.launchTimeoutMs;
    for (const [agentId, list] of this.launching) {
      const stale = list.filter((l) => l.since < before);
      if (!stale.length) continue;
      const rest = list.filter((l) => l.since >= before);
      if (rest.length) this.launching.set(agentId, rest);
      else this.launching.delete(agentId);
      for (const l of stale) l.reject(new Error(`no offer from agent ${this.agents.get(agentId)?.hostname ?? agentId} took the task within ${this.opts.launchTimeoutMs / 1000} s`));
    }
  }

  /** The execution is over: whatever it still held here is free. */
  release(exeId: number): void {
    this.reserved.delete(exeId);
  }

  private flush(agentId: string): void {
    const list = this.launching.get(agentId);
    if (!list?.length || !this.client.connected) return;
    const { ids, pool } = this.offered(agentId);
    if (!ids.length) return; // the agent's next offer launches them
    const batch: Launch[] = [];
    for (const l of list) {
      // Each task's resources are taken from what the master offered, as offered (the master refuses more,
      // and resources of another reservation than the offer's).
      const bound = bindResources(l.want, pool);
      if (bound) {
        l.taskInfo.resources = bound;
        batch.push(l);
      }
    }
    if (!batch.length) return;
    for (const id of ids) this.held.delete(id);
    const rest = list.filter((l) => !batch.includes(l));
    if (rest.length) this.launching.set(agentId, rest);
    else this.launching.delete(agentId);
    const body = {
      accept: {
        offer_ids: ids.map((value) => ({ value })),
        operations: [{ type: 'LAUNCH', launch: { task_infos: batch.map((l) => l.taskInfo) } }],
        // The offers' leftovers come straight back for the next launches.
        filters: { refuse_seconds: 0 },
      },
    };
    this.client.call('ACCEPT', body).then(
      (status) => {
        if (status === 202) return batch.forEach((l) => l.resolve({ uncertain: false }));
        // Refused: the offers are still ours at the master, so they go back, and the tasks wait for new ones.
        void this.decline(ids);
        this.retry(agentId, batch, new Error(`the Mesos master answered ${status} to ACCEPT`));
      },
      (err) => {
        // No answer: the master may have launched the tasks or not. Launching them again could run
        // them twice, so they count as launched and are reconciled; the offers are declined (a
        // no-op for offers the master used), so their resources are not held forever.
        this.log.warn('an ACCEPT got no answer; its tasks are reconciled', { agent: agentId, tasks: batch.length, err: (err as Error).message });
        void this.decline(ids);
        batch.forEach((l) => l.resolve({ uncertain: true }));
      },
    );
  }

  private retry(agentId: string, batch: Launch[], err: Error): void {
    for (const l of batch) {
      if (++l.attempts >= 3) l.reject(err);
      else this.launching.set(agentId, [l, ...(this.launching.get(agentId) ?? [])]);
    }
  }

  close(): void {
    if (this.reviveTimer) clearTimeout(this.reviveTimer);
    for (const t of this.flushTimers.values()) clearTimeout(t);
    for (const [, list] of this.launching) for (const l of list) l.reject(new Error('the server is stopping'));
    this.launching.clear();
  }
}

function maxOf(a: Resources, b: Resources): Full {
  return { cpus: Math.max(a.cpus, b.cpus), mem: Math.max(a.mem, b.mem), disk: Math.max(a.disk, b.disk), gpus: Math.max(a.gpus ?? 0, b.gpus ?? 0) };
}

/** The agent's HTTP endpoint from Offer.url (scheme, address{hostname, ip, port}). */
function agentUrlOf(raw: any): string | null {
  const u = raw?.url;
  const addr = u?.address;
  if (!addr || typeof addr.port !== 'number') return null;
  const host = addr.ip ?? addr.hostname;
  return typeof host === 'string' ? `${u.scheme ?? 'http'}://${host}:${addr.port}` : null;
}

function portOf(raw: any): number | null {
  const p = raw?.url?.address?.port;
  return typeof p === 'number' ? p : null;
}
