// Scale's paged list shape: {count, next, previous, results}, with absolute next/previous URLs.
import type { Request } from 'express';
import type { Page } from '../store/listing.ts';

function pageUrl(req: Request, page: number): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  url.searchParams.set('page', String(page));
  return url.toString();
}

export function paged<T, U>(req: Request, page: Page, list: { count: number; rows: T[] }, map: (row: T) => U) {
  const last = Math.max(1, Math.ceil(list.count / page.pageSize));
  return {
    count: list.count,
    next: page.page < last ? pageUrl(req, page.page + 1) : null,
    previous: page.page > 1 ? pageUrl(req, Math.min(page.page - 1, last)) : null,
    results: list.rows.map(map),
  };
}
