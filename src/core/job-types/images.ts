// Whether the image a job type or a deployed process names can be had, asked when it is registered
// rather than found out at every launch. The core only knows the port; the Docker engine and the
// registry answer through src/executors/docker/images.ts (composed in src/server.ts).
import { Invalid } from '../../errors.ts';

/**
 * What asking about an image found: `known` (on the engine, or in a registry that answered for it),
 * `unknown` (every one asked said no: the engine has no such image and its registry has none either,
 * or the registry's host does not exist), `unchecked` (nothing could be asked, or nothing answered).
 */
export type ImageCheck =
  | { verdict: 'known'; by: string }
  | { verdict: 'unknown'; reason: string }
  | { verdict: 'unchecked'; reason: string };

export interface ImageChecker {
  check(image: string): Promise<ImageCheck>;
}

/**
 * Refuses an image no engine or registry knows (Invalid naming `field` and the image), and returns
 * the warning to give when it could not be checked (null when it is known, or nothing checks).
 */
export async function vetImage(checker: ImageChecker | null | undefined, image: string, field: string): Promise<string | null> {
  if (!checker) return null;
  const c = await checker.check(image);
  if (c.verdict === 'unknown') throw new Invalid(field, `image ${image} cannot be had: ${c.reason}`);
  if (c.verdict === 'unchecked') return `image ${image} was not checked (${c.reason}): its jobs fail at launch if no node can pull it`;
  return null;
}
