// Small clients for the Scale API used across the tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { waitFor } from './server.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const script = (name: string) => path.join(FIXTURES, 'jobs', name);

type App = Parameters<typeof request>[0];
let counter = 0;

export async function createJobType(app: App, fields: Record<string, unknown>): Promise<any> {
  const res = await request(app)
    .post('/scale/job-types/')
    .send({ name: `jt-${process.pid}-${++counter}`, version: '1.0', cpus_required: 0.5, mem_required: 16, disk_out_const_required: 1, ...fields });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function queueJob(app: App, jobTypeId: number, jobData: unknown = {}, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await request(app).post('/scale/queue/new-job/').send({ job_type_id: jobTypeId, job_data: jobData, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function waitForJob(app: App, id: number, statuses: string[] = ['COMPLETED', 'FAILED', 'CANCELED'], timeoutMs = 20000): Promise<any> {
  return waitFor(
    async () => {
      const res = await request(app).get(`/scale/jobs/${id}/`);
      return statuses.includes(res.body.status) ? res.body : null;
    },
    { timeoutMs, what: `job ${id} to be ${statuses.join('/')}` },
  );
}

export async function upload(app: App, content: string, fileName: string, fields: Record<string, string> = {}): Promise<any> {
  let req = request(app).post('/scale/files/').field('workspace', fields.workspace ?? 'default');
  for (const [k, v] of Object.entries(fields)) if (k !== 'workspace') req = req.field(k, v);
  const res = await req.attach('file', Buffer.from(content), fileName);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Whether a process exists and is not a zombie (a killed orphan waits for its reaper as a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
