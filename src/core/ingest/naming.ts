// What Strikes and Scans share about being created: a name (v6 gives only a title, and the name is
// made from it as Scale makes it), and what creating would say of an input without creating it.
import type { Db } from '../../store/db.ts';
import type { Problem } from '../../schemas.ts';
import { Invalid } from '../../errors.ts';
import { slugify, titleToName } from '../title-name.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
const NAME_RULE = 'is required (or a title to make it from): 1-50 letters, digits, "_", "." or "-"';

export interface Creatable {
  name?: unknown;
  title?: unknown;
  description?: unknown;
  configuration?: unknown;
}

export function ingestNaming(db: Db, table: 'strike' | 'scan', checkConfiguration: (json: unknown) => Promise<unknown>) {
  /** The input with its name: given, or made from its title (unique in the table). */
  async function named<T extends Creatable>(input: T): Promise<T & { name: string }> {
    if (input.name === undefined && typeof input.title === 'string' && slugify(input.title)) {
      return { ...input, name: await titleToName(input.title, async (n) => (await db.query(`SELECT 1 FROM ${table} WHERE name = $1`, [n])).rows.length > 0) };
    }
    if (typeof input.name !== 'string' || !NAME.test(input.name)) throw new Invalid('name', NAME_RULE);
    return input as T & { name: string };
  }

  /** Every problem creating this input would meet, without creating anything (v6 /{strikes,scans}/validation/). */
  async function problems(input: Creatable): Promise<Problem[]> {
    const found: Problem[] = [];
    for (const check of [() => named(input), () => checkConfiguration(input.configuration)]) {
      try {
        await check();
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        found.push(...(err.details.length ? err.details : [{ field: err.field, message: err.message }]));
      }
    }
    return found;
  }

  return { named, problems };
}
