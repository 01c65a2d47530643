// Failures the core reports to its callers. Each front door chooses the HTTP status or wire
// shape; the core only says what went wrong and, where it can, which field was at fault.

export abstract class DomainError extends Error {
  abstract readonly kind: 'not-found' | 'invalid' | 'conflict' | 'forbidden' | 'too-large' | 'unavailable';
}

/** A named thing does not exist (unknown id). */
export class NotFound extends DomainError {
  readonly kind = 'not-found' as const;
  constructor(
    readonly entity: string,
    readonly id: string | number,
  ) {
    super(`${entity} ${JSON.stringify(id)} does not exist`);
  }
}

/** The caller's input is wrong; `field` names where (a dotted path such as input_data[0].file_id). */
export class Invalid extends DomainError {
  readonly kind = 'invalid' as const;
  constructor(
    readonly field: string | null,
    message: string,
    readonly details: { field: string | null; message: string }[] = [],
  ) {
    super(field ? `${field}: ${message}` : message);
  }

  static many(problems: { field: string | null; message: string }[]): Invalid {
    const first = problems[0];
    const text = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
    const err = new Invalid(null, text, problems);
    return Object.assign(err, { field: first?.field ?? null });
  }
}

/** The request is valid but clashes with the current state (duplicate name, illegal transition). */
export class Conflict extends DomainError {
  readonly kind = 'conflict' as const;
}

/** The thing exists but may not be changed this way (a built-in job type). */
export class Forbidden extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class TooLarge extends DomainError {
  readonly kind = 'too-large' as const;
}

/** A dependency (database, file system) cannot serve the request right now. */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable' as const;
}
