// The images the suite's tools run in here, where no registry can be reached: the shell-and-
// coreutils images the suite names (Debian, Alpine, bash) become one local busybox image, built from
// this machine's busybox (Debian's busybox-static) with `bash` answered by busybox's shell; tools
// that name no image run in it too (cwltool's --default-container, the server's
// SCALE_CWL_DEFAULT_CONTAINER). Images that need more than a shell (Python) must be present locally,
// or the cases that use them are skipped, saying so.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';

export const CONFORMANCE_IMAGE = 'scale-cwl-conformance:busybox';

/** Images the busybox image stands in for. */
const SHELL_IMAGES = /^(docker\.io\/)?(library\/)?(debian|alpine|bash|ubuntu|busybox)(:[\w.-]+)?$/;

export const standsIn = (image: string) => SHELL_IMAGES.test(image);

/** Builds the busybox image unless the engine has it already. */
export async function ensureConformanceImage(docker = new Docker()): Promise<void> {
  try {
    await docker.getImage(CONFORMANCE_IMAGE).inspect();
    return;
  } catch {
    /* build it */
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cwl-image-'));
  try {
    await fs.copyFile('/bin/busybox', path.join(dir, 'busybox')).catch(() => {
      throw new Error('/bin/busybox is missing: install busybox-static (apt install busybox-static) to build the conformance image');
    });
    await fs.writeFile(path.join(dir, 'Dockerfile'), [
      'FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      'RUN ["/bin/busybox", "ln", "-s", "/bin/busybox", "/bin/bash"]', 'RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/usr/bin"]',
      'RUN ["/bin/busybox", "ln", "-s", "/bin/env", "/usr/bin/env"]', '',
    ].join('\n'));
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox'] }, { t: CONFORMANCE_IMAGE });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: any[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed.error));
      else resolve();
    }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Whether the engine holds an image (the suite's Python image, when someone loaded it). */
export async function hasImage(image: string, docker = new Docker()): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

const PULL = /(["']?dockerPull["']?\s*:\s*["']?)([^\s"',}]+)/g;

/** A document with every stand-in image replaced by the busybox image; and the images it still names. */
export function rewriteImages(text: string): { text: string; needs: string[] } {
  const needs: string[] = [];
  const out = text.replace(PULL, (_m, head: string, image: string) => {
    if (standsIn(image)) return `${head}${CONFORMANCE_IMAGE}`;
    needs.push(image);
    return `${head}${image}`;
  });
  return { text: out, needs };
}
