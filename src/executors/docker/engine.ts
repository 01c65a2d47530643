// Connecting to a Docker engine: DOCKER_HOST (unix:// or tcp://) or the local socket, answered
// within a short time or not at all.
import Docker from 'dockerode';

export function dockerClient(dockerHost: string | null): Docker {
  if (!dockerHost) return new Docker({ socketPath: '/var/run/docker.sock' });
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

/** The engine's client when it answers a ping within timeoutMs, else null. */
export async function connectDocker(dockerHost: string | null, timeoutMs = 2000): Promise<Docker | null> {
  const docker = dockerClient(dockerHost);
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref())]);
    return docker;
  } catch {
    return null;
  }
}

/** CPUs and memory (MiB) the engine reports. */
export async function engineResources(docker: Docker): Promise<{ cpus: number; mem: number }> {
  const info = await docker.info();
  return { cpus: info.NCPU, mem: Math.floor(info.MemTotal / 1024 / 1024) };
}
