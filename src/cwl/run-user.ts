// The unprivileged user cwltool runs as when the server runs as root. cwltool starts its containers
// with `--user=<its uid>:<its gid>`, so the user cwltool runs as is the user every step runs as: a
// server running as root would otherwise run every deployed tool as root in its container. The
// group is the Docker socket's, so the user may talk to the engine and to nothing else of root's.
import fs from 'node:fs';
import path from 'node:path';

export interface RunUser {
  name: string;
  uid: number;
  gid: number;
}

/** A user's uid and primary gid from /etc/passwd, by name or number; null when there is none. */
export function lookupUser(nameOrId: string, passwd = '/etc/passwd'): { name: string; uid: number; gid: number } | null {
  let text = '';
  try {
    text = fs.readFileSync(passwd, 'utf8');
  } catch {
    /* no passwd file: only numbers can be used */
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name && (name === nameOrId || uid === nameOrId) && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { name, uid: Number(uid), gid: Number(gid) };
  }
  if (/^\d+(:\d+)?$/.test(nameOrId)) {
    const [uid, gid] = nameOrId.split(':').map(Number);
    return { name: nameOrId, uid, gid: gid ?? uid };
  }
  return null;
}

/** The group owning the Docker engine's unix socket (DOCKER_HOST), when there is one to reach. */
export function dockerSocketGroup(dockerHost: string | null): number | null {
  const socket = !dockerHost ? '/var/run/docker.sock' : dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : dockerHost.startsWith('/') ? dockerHost : null;
  if (!socket) return null;
  try {
    return fs.statSync(socket).gid;
  } catch {
    return null;
  }
}

/**
 * The user cwltool runs as: `setting` (SCALE_CWL_USER) when this server runs as root, with the
 * Docker socket's group; null (cwltool runs as the server's own user) when the server is not root
 * or the setting is empty.
 */
export function cwlRunUser(setting: string, dockerHost: string | null, isRoot = process.getuid?.() === 0): RunUser | null {
  if (!isRoot || !setting.trim()) return null;
  const user = lookupUser(setting.trim());
  if (!user) throw new Error(`SCALE_CWL_USER names ${JSON.stringify(setting)}, which is no user here (give a name from /etc/passwd, or uid:gid)`);
  if (user.uid === 0) throw new Error('SCALE_CWL_USER is root: CWL steps must not run as root (name an unprivileged user, e.g. nobody)');
  return { ...user, gid: dockerSocketGroup(dockerHost) ?? user.gid };
}

/**
 * The first directory on the way to `dir` (itself included) that `user` cannot pass through, or
 * null when it can reach `dir`.
 */
export function unreachableBy(dir: string, user: RunUser): string | null {
  let d = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch {
      return d;
    }
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if (!(st.mode & bit)) return d;
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/**
 * Lets `user` pass through the server's own directories on the way to the executions (search
 * permission only: it can list none of them). Answers the first directory it still cannot pass, or
 * null when it reaches `target`.
 */
export function letPass(user: RunUser, target: string, own: string[]): string | null {
  for (const d of own) {
    try {
      const st = fs.statSync(d);
      if (st.uid === process.getuid?.()) fs.chmodSync(d, (st.mode & 0o7777) | 0o001);
    } catch {
      /* not made yet, or not ours to change */
    }
  }
  return unreachableBy(target, user);
}
