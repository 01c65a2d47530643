// Finding SEED manifests in images: the `com.ngageoint.seed.manifest` label, read from the local
// Docker engine or from a Docker registry (HTTP API v2: manifest → config blob → labels), and the
// list of every `*-seed` image a registry holds.
import type Docker from 'dockerode';
import { MANIFEST_LABEL, parseManifestLabel, parseSeedImageName } from '../../../seed-mapping/seed-manifest.ts';
import type { ImageChecker } from '../../core/job-types/images.ts';
import { Invalid, Unavailable } from '../../errors.ts';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export interface RegistryClient {
  readonly url: string;
  /** Every repository of the registry (following the catalog's paging). */
  repositories(): Promise<string[]>;
  tags(repository: string): Promise<string[]>;
  labels(repository: string, tag: string): Promise<Record<string, string>>;
  /** Whether the registry holds repository:tag (false: it answered 404); throws when it cannot say. */
  has(repository: string, tag: string): Promise<boolean>;
}

export function registryClient(baseUrl: string, opts: { timeoutMs?: number; auth?: string | null } = {}): RegistryClient {
  const base = baseUrl.replace(/\/+$/, '');
  const get = async (p: string, accept = 'application/json'): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${base}${p}`, {
        headers: { accept, ...(opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {}) },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new Invalid('registry', `the registry at ${base} cannot be reached: ${(err as Error).message}`);
    }
    if (res.status === 404) throw new Invalid('docker_image', `the registry at ${base} has no ${p}`);
    if (!res.ok) throw new Invalid('registry', `the registry at ${base} answered ${res.status} for ${p}`);
    return res;
  };
  return {
    url: base,
    async repositories() {
      const out: string[] = [];
      let next: string | null = '/v2/_catalog?n=1000';
      while (next) {
        const res = await get(next);
        out.push(...(((await res.json()) as { repositories?: string[] }).repositories ?? []));
        const link = res.headers.get('link');
        next = link ? (/<([^>]+)>/.exec(link)?.[1] ?? null) : null;
      }
      return out;
    },
    async tags(repository) {
      return (((await (await get(`/v2/${repository}/tags/list`)).json()) as { tags?: string[] | null }).tags ?? []);
    },
    async labels(repository, tag) {
      let manifest: any = await (await get(`/v2/${repository}/manifests/${tag}`, MANIFEST_TYPES)).json();
      if (manifest.manifests) {
        // A multi-platform index: the linux/amd64 image, or the first.
        const pick = manifest.manifests.find((m: any) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ?? manifest.manifests[0];
        manifest = await (await get(`/v2/${repository}/manifests/${pick.digest}`, MANIFEST_TYPES)).json();
      }
      const digest = manifest.config?.digest;
      if (!digest) throw new Invalid('docker_image', `${repository}:${tag} has no image configuration in the registry`);
      const config: any = await (await get(`/v2/${repository}/blobs/${digest}`)).json();
      return config.config?.Labels ?? config.container_config?.Labels ?? {};
    },
    async has(repository, tag) {
      let res: Response;
      try {
        res = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
          method: 'HEAD',
          headers: { accept: MANIFEST_TYPES, ...(opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {}) },
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new Error(`the registry at ${base} cannot be reached: ${(err as Error).message}`);
      }
      if (res.ok) return true;
      if (res.status === 404) return false;
      throw new Error(`the registry at ${base} answered ${res.status} for ${repository}:${tag}`);
    },
  };
}

export interface ManifestReader {
  /** The SEED manifest an image carries (local engine first, then the registry). */
  read(image: string): Promise<unknown>;
  registry: RegistryClient | null;
}

function manifestFrom(labels: Record<string, string> | null | undefined, image: string): unknown {
  const label = labels?.[MANIFEST_LABEL];
  if (!label) throw new Invalid('docker_image', `image ${image} has no ${MANIFEST_LABEL} label; it is not a SEED image`);
  try {
    return parseManifestLabel(label);
  } catch (err) {
    throw new Invalid('docker_image', `the ${MANIFEST_LABEL} label of ${image} ${(err as Error).message}`);
  }
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
/** [registry[:port]/]name[/name…][:tag][@digest]: Docker's reference grammar (distribution/reference). */
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::\\w[\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

/**
 * Whether a name may be given to the Docker engine. Anything else must not reach it: the engine
 * answers a path it cleans (a//b, a/./b) with a redirect that dockerode follows to a host named
 * "images", and the failed lookup is an 'error' event nobody listens to — the process dies.
 */
export function isImageReference(image: string): boolean {
  return image.length <= 500 && IMAGE_REFERENCE.test(image);
}

export function manifestReader(docker: Docker | null, registry: RegistryClient | null): ManifestReader {
  return {
    registry,
    async read(image) {
      // Checked before any engine or registry sees it: a name that is no image reference (spaces,
      // a//b, …) is the client's mistake, not an engine failure (it was a 503, or a crash).
      if (!isImageReference(image)) throw new Invalid('docker_image', `${JSON.stringify(image.slice(0, 200))} is not a Docker image reference`);
      if (docker) {
        try {
          const info = await docker.getImage(image).inspect();
          return manifestFrom(info.Config?.Labels, image);
        } catch (err: any) {
          if (err instanceof Invalid) throw err;
          if (err?.statusCode !== 404) throw new Unavailable(`the Docker engine cannot inspect ${image}: ${err?.message ?? err}`);
        }
      }
      const parsed = parseSeedImageName(image);
      const colon = image.lastIndexOf(':');
      const repository = parsed?.repository ?? image.slice(0, colon > image.lastIndexOf('/') ? colon : undefined);
      const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
      if (!registry) throw new Invalid('docker_image', `image ${image} is not on the Docker engine and no registry is configured (SCALE_REGISTRY)`);
      return manifestFrom(await registry.labels(repository.replace(/^[^/]+[.:][^/]*\//, ''), tag), image);
    },
  };
}

export interface ScannedImage {
  image: string;
  manifest?: unknown;
  error?: string;
}

/** Every `<name>-<version>-seed:<tag>` image of the registry, with its manifest or why it has none. */
export async function scanRegistry(registry: RegistryClient): Promise<ScannedImage[]> {
  const host = new URL(registry.url).host;
  const out: ScannedImage[] = [];
  for (const repository of await registry.repositories()) {
    if (!repository.endsWith('-seed')) continue;
    for (const tag of await registry.tags(repository)) {
      const image = `${host}/${repository}:${tag}`;
      try {
        out.push({ image, manifest: manifestFrom(await registry.labels(repository, tag), image) });
      } catch (err) {
        out.push({ image, error: (err as Error).message });
      }
    }
  }
  return out;
}

/** A reference's registry host (null: Docker Hub), repository path in that registry, and tag. */
export function splitReference(image: string): { host: string | null; repository: string; tag: string } {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : null;
  const slash = ref.indexOf('/');
  const first = slash >= 0 ? ref.slice(0, slash) : '';
  const host = slash >= 0 && (/[.:]/.test(first) || first === 'localhost') ? first : null;
  const rest = host ? ref.slice(slash + 1) : ref;
  const colon = rest.lastIndexOf(':');
  const repository = colon > rest.lastIndexOf('/') ? rest.slice(0, colon) : rest;
  const tag = digest ?? (colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : 'latest');
  return { host, repository, tag };
}

/**
 * What the engine said when asked for an image's manifest means "there is no such image there": the
 * registry has no such repository or tag, refuses it, or its host name does not exist. Anything else
 * (a timeout, a refused connection, TLS, a registry error) says nothing about the image.
 */
const DEFINITE_NO = /manifest unknown|not found|does not exist|pull access denied|denied|unauthorized|authentication required|no basic auth credentials|invalid reference format/i;
/**
 * A registry host the engine could not resolve says nothing about the image: the server may be
 * offline or air-gapped while its nodes are not. Only names under `.invalid` (RFC 6761: never
 * resolve, anywhere) are certainly not a registry.
 */
const UNRESOLVED = /no such host|name resolution|server misbehaving|lookup .* on /i;

/**
 * Asks, for a job type's image, the Docker engine this server runs containers on (`docker`: null when
 * it runs none) — the image itself, then its registry through the engine's distribution endpoint,
 * which reads the manifest without pulling — and the configured registry for images named in it.
 */
export function imageChecker(deps: { docker: Docker | null; registry: RegistryClient | null }): ImageChecker {
  const registryHost = deps.registry ? new URL(deps.registry.url).host : null;
  return {
    async check(image) {
      if (!isImageReference(image)) return { verdict: 'unknown', reason: `${JSON.stringify(image.slice(0, 200))} is not a Docker image reference` };
      const no: string[] = [];
      const unsure: string[] = [];
      const ref = splitReference(image);
      if (deps.docker) {
        try {
          await deps.docker.getImage(image).inspect();
          return { verdict: 'known', by: 'the Docker engine' };
        } catch (err: any) {
          // The engine's 404 for an image: "No such image: <image>".
          if (err?.statusCode === 404) no.push(`the Docker engine says "No such image: ${image}"`);
          else unsure.push(`the Docker engine could not be asked: ${err?.json?.message ?? err?.message ?? err}`);
        }
      }
      if (deps.registry && ref.host && ref.host === registryHost) {
        try {
          if (await deps.registry.has(ref.repository, ref.tag)) return { verdict: 'known', by: `the registry at ${deps.registry.url}` };
          no.push(`the registry at ${deps.registry.url} has no ${ref.repository}:${ref.tag}`);
        } catch (err) {
          unsure.push((err as Error).message);
        }
      } else if (deps.docker && !unsure.length && ref.host && /(^|\.)invalid(:\d+)?$/i.test(ref.host)) {
        no.push(`its registry host ${ref.host} is under .invalid, which never resolves (RFC 6761)`);
      } else if (deps.docker && !unsure.length) {
        try {
          // A registry that does not answer must not hold up the request: after 15 s it says nothing.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            deps.docker.getImage(image).distribution().finally(() => clearTimeout(timer)),
            new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000))),
          ]);
          return { verdict: 'known', by: `its registry (${ref.host ?? 'Docker Hub'})` };
        } catch (err: any) {
          const said = String(err?.json?.message ?? err?.message ?? err).trim();
          (!UNRESOLVED.test(said) && (DEFINITE_NO.test(said) || [401, 403, 404].includes(err?.statusCode)) ? no : unsure).push(`its registry (${ref.host ?? 'Docker Hub'}) answered through the engine: ${said}`);
        }
      }
      if (no.length && !unsure.length) return { verdict: 'unknown', reason: no.join('; ') };
      if (!no.length && !unsure.length) {
        return { verdict: 'unchecked', reason: deps.registry ? `no Docker engine runs containers here, and the image names no registry or another than ${deps.registry.url} (SCALE_REGISTRY)` : 'no Docker engine runs containers here and no registry is configured (SCALE_REGISTRY)' };
      }
      return { verdict: 'unchecked', reason: [...no, ...unsure].join('; ') };
    },
  };
}
