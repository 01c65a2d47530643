// A Mesos v1 scheduler HTTP API client (no libmesos): SUBSCRIBE to {master}/api/v1/scheduler with
// the FrameworkInfo, read the RecordIO event stream, keep its Mesos-Stream-Id for every other call,
// follow a 307 to the leading master, and re-subscribe with backoff when the stream ends, breaks,
// answers an error, or its heartbeats stop. The framework id is loaded from and saved to a store
// (the database), so a failover re-subscribes as the same framework and keeps its tasks. A framework
// the master has removed (torn down, or its failover timeout passed) is refused for good: its id is
// forgotten and the client subscribes as a new framework ('removed' tells the rest). Every call has a
// time-out; a call that times out is cut, as a broken connection would be.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../../log.ts';
import { RecordIODecoder } from './recordio.ts';

export interface FrameworkSettings {
  user: string;
  name: string;
  roles: string[];
  checkpoint: boolean;
  failoverTimeoutSeconds: number;
  principal?: string;
  /** HTTP basic authentication to the master (principal and secret). */
  secret?: string;
}

export interface FrameworkIdStore {
  load(): Promise<string | null>;
  save(id: string): Promise<void>;
  /** The master no longer knows this id: forget it (the next subscription is a new framework). */
  forget?(id: string): Promise<void>;
}

export interface MesosClientEvents {
  subscribed: [{ frameworkId: string; heartbeatIntervalSeconds: number }];
  /** Every event as received (OFFERS, UPDATE, RESCIND, FAILURE, MESSAGE, ERROR …). */
  event: [Record<string, any>];
  disconnected: [reason: string];
  /** The master removed the framework: its tasks are gone, and the client subscribes as a new framework. */
  removed: [{ frameworkId: string; message: string }];
}

const MAX_BACKOFF_MS = 30_000;
/** How long a call (or a SUBSCRIBE's answer) may take: the scheduler API docs' 75 s for a lost connection. */
export const DEFAULT_CALL_TIMEOUT_MS = 75_000;

/**
 * What the master says when it refuses a framework id for good: SUBSCRIBE with the id of a removed framework
 * ("Framework has been removed", Master::validateFramework) or one it cannot find.
 */
export const FRAMEWORK_GONE = /framework (has been )?removed|framework (cannot be found|is unknown|not found)|unknown framework/i;

export class MesosSchedulerClient extends EventEmitter<MesosClientEvents> {
  private masterUrl: URL;
  private streamId: string | null = null;
  private frameworkId: string | null = null;
  private req: http.ClientRequest | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private backoffMs = 500;
  private stopped = true;
  private heartbeatMs = 15_000;
  /** Store writes in order (a forgotten id is deleted before the new one is saved). */
  private storing: Promise<void> = Promise.resolve();
  // Calls (not the event stream, which holds its own connection) go over a few kept-alive sockets.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    masterUrl: string,
    private readonly framework: FrameworkSettings,
    private readonly store: FrameworkIdStore,
    private readonly log?: Logger,
    private readonly opts: { minBackoffMs?: number; callTimeoutMs?: number } = {},
  ) {
    super();
    this.masterUrl = new URL('/api/v1/scheduler', masterUrl);
    this.backoffMs = opts.minBackoffMs ?? 500;
  }

  get id(): string | null {
    return this.frameworkId;
  }

  get connected(): boolean {
    return this.streamId !== null;
  }

  get master(): string {
    return this.masterUrl.origin;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.frameworkId = await this.store.load();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.drop('stopped');
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...extra };
    if (this.framework.principal && this.framework.secret) h.Authorization = `Basic ${Buffer.from(`${this.framework.principal}:${this.framework.secret}`).toString('base64')}`;
    return h;
  }

  private subscribeBody(): string {
    const info: Record<string, unknown> = {
      user: this.framework.user, name: this.framework.name, roles: this.framework.roles, checkpoint: this.framework.checkpoint,
      failover_timeout: this.framework.failoverTimeoutSeconds, capabilities: [{ type: 'MULTI_ROLE' }, { type: 'GPU_RESOURCES' }],
      ...(this.framework.principal ? { principal: this.framework.principal } : {}),
      ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}),
    };
    return JSON.stringify({ ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}), type: 'SUBSCRIBE', subscribe: { framework_info: info } });
  }

  private get callTimeoutMs(): number {
    return this.opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  private store_(what: string, op: () => Promise<void>): void {
    this.storing = this.storing.then(op).catch((err) => this.log?.error(`could not ${what}`, { err }));
  }

  /** The master refused this framework id for good: forget it, tell the rest, and subscribe anew at once. */
  private forgetFramework(message: string): void {
    const old = this.frameworkId;
    if (!old) return;
    this.log?.error('the Mesos master removed this framework; subscribing as a new framework (its tasks are lost)', { frameworkId: old, message });
    this.frameworkId = null;
    const forget = this.store.forget?.bind(this.store);
    if (forget) this.store_('forget the removed Mesos framework id', () => forget(old));
    this.backoffMs = this.opts.minBackoffMs ?? 500;
    this.emit('removed', { frameworkId: old, message });
  }

  private schedule(reason: string): void {
    if (this.stopped || this.retry) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.log?.warn('Mesos subscription lost; subscribing again', { reason, inMs: wait });
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, wait);
    this.retry.unref();
  }

  private drop(reason: string): void {
    const wasConnected = this.streamId !== null;
    this.streamId = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    const r = this.req;
    this.req = null;
    r?.destroy();
    if (wasConnected) this.emit('disconnected', reason);
  }

  /** Restarts the heartbeat watchdog: no event for two heartbeat intervals means the stream is dead. */
  private alive(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.drop('no heartbeat from the master');
      this.schedule('no heartbeat from the master');
    }, this.heartbeatMs * 2 + 1000);
    this.watchdog.unref();
  }

  private connect(redirects = 0): void {
    if (this.stopped) return;
    const url = this.masterUrl;
    const mod = url.protocol === 'https:' ? https : http;
    // No answer to the SUBSCRIBE in time: cut it, as a broken connection (then the heartbeat watchdog takes over).
    const answerTimer = setTimeout(() => req.destroy(new Error(`no answer to SUBSCRIBE within ${this.callTimeoutMs} ms`)), this.callTimeoutMs);
    answerTimer.unref();
    const req = mod.request(url, { method: 'POST', headers: this.headers() }, (res) => {
      clearTimeout(answerTimer);
      if (res.statusCode === 307 && res.headers.location && redirects < 5) {
        res.resume();
        // Mesos answers with a protocol-relative //host:port/api/v1/scheduler.
        this.masterUrl = new URL(res.headers.location, url);
        this.log?.info('following the leading Mesos master', { master: this.masterUrl.origin });
        this.req = null;
        this.connect(redirects + 1);
        return;
      }
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          this.log?.error('the Mesos master refused the subscription', { status: res.statusCode, body: body.slice(0, 500) });
          this.req = null;
          if (res.statusCode === 400 && FRAMEWORK_GONE.test(body)) this.forgetFramework(body.slice(0, 500));
          this.schedule(`SUBSCRIBE answered ${res.statusCode}`);
        });
        return;
      }
      this.streamId = String(res.headers['mesos-stream-id'] ?? '') || null;
      const decoder = new RecordIODecoder();
      this.alive();
      res.on('data', (chunk: Buffer) => {
        let records: string[];
        try {
          records = decoder.push(chunk);
        } catch (err) {
          // A stream that is not RecordIO cannot be resynchronised: subscribe again.
          this.log?.error('malformed RecordIO from the Mesos master', { err });
          this.drop('malformed RecordIO frame');
          this.schedule('malformed RecordIO frame');
          return;
        }
        for (const rec of records) this.onRecord(rec);
      });
      const ended = (why: string) => () => {
        if (this.req !== req) return;
        this.drop(why);
        this.schedule(why);
      };
      res.on('end', ended('the event stream ended'));
      res.on('error', ended('the event stream broke'));
    });
    req.on('error', (err) => {
      clearTimeout(answerTimer);
      if (this.req !== req) return;
      this.req = null;
      this.schedule(`cannot reach the master: ${err.message}`);
    });
    this.req = req;
    req.end(this.subscribeBody());
  }

  private onRecord(text: string): void {
    let ev: Record<string, any>;
    try {
      ev = JSON.parse(text);
    } catch {
      this.log?.warn('an event from the Mesos master is not JSON; skipped', { text: text.slice(0, 200) });
      return;
    }
    this.alive();
    if (ev.type === 'SUBSCRIBED') {
      const id = ev.subscribed?.framework_id?.value;
      this.heartbeatMs = Math.max(100, Number(ev.subscribed?.heartbeat_interval_seconds ?? 15) * 1000);
      this.alive();
      if (typeof id === 'string') {
        this.frameworkId = id;
        this.backoffMs = this.opts.minBackoffMs ?? 500;
        this.store_('store the Mesos framework id', () => this.store.save(id));
        this.emit('subscribed', { frameworkId: id, heartbeatIntervalSeconds: this.heartbeatMs / 1000 });
      }
    } else if (ev.type === 'ERROR') {
      // The master sends ERROR when it refuses a subscription or another scheduler took the framework over,
      // and closes the stream after it. A removed framework's id is refused for ever: it is forgotten.
      const message = String(ev.error?.message ?? '');
      this.log?.error('the Mesos master sent an error', { message });
      this.emit('event', ev);
      if (FRAMEWORK_GONE.test(message)) this.forgetFramework(message);
      this.drop(`the master sent ERROR: ${message}`);
      this.schedule(`the master sent ERROR: ${message}`);
      return;
    } else if (typeof ev.type !== 'string') {
      this.log?.warn('an event without a type from the Mesos master; skipped');
      return;
    }
    this.emit('event', ev);
  }

  /**
   * Sends a call on the current subscription; resolves with the HTTP status (202 when accepted).
   * Calls share a few kept-alive connections (a burst of acknowledgements must not open thousands
   * of sockets). A call that fails in transit is sent again, but for ACCEPT, whose fate the caller
   * must decide (it may have been taken).
   */
  async call(type: string, body: Record<string, unknown> = {}): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(type, body);
      } catch (err) {
        if (type === 'ACCEPT' || attempt >= 3 || !this.streamId) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  private send(type: string, body: Record<string, unknown>): Promise<number> {
    if (!this.streamId || !this.frameworkId) return Promise.reject(new Error('not subscribed to a Mesos master'));
    const payload = JSON.stringify({ framework_id: { value: this.frameworkId }, type, ...body });
    const url = this.masterUrl;
    const mod = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
    return new Promise((resolve, reject) => {
      // A call with no (complete) answer in time is cut, and fails as a cut connection does.
      const timer = setTimeout(() => {
        this.log?.warn('a call to the Mesos master timed out; its connection is cut', { type, ms: this.callTimeoutMs });
        req.destroy(Object.assign(new Error(`${type} got no answer within ${this.callTimeoutMs} ms`), { timedOut: true }));
      }, this.callTimeoutMs);
      timer.unref();
      const req = mod.request(url, { method: 'POST', agent, headers: this.headers({ 'Mesos-Stream-Id': this.streamId! }) }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('error', (err) => (clearTimeout(timer), reject(err)));
        res.on('end', () => {
          clearTimeout(timer);
          if (res.statusCode !== 202) this.log?.warn('the Mesos master refused a call', { type, status: res.statusCode, body: text.slice(0, 300) });
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', (err) => (clearTimeout(timer), reject(err)));
      req.end(payload);
    });
  }
}
