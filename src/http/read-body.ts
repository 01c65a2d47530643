// A request body read whole as text, up to a limit: for the doors that keep a body exactly as sent
// (an Application Package) or parse it themselves (WPS XML). `tooLarge` and `broken` make the
// door's own errors, so each answers in its own wire format.
import type { Request } from 'express';

export function readBody(req: Request, limit: number, errors: { tooLarge: () => Error; broken: (err: Error) => Error }): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(errors.tooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that goes away mid-body ("aborted") made a mistake, not the server: no 500, no error in the log.
    req.on('error', (err) => reject(errors.broken(err)));
  });
}
