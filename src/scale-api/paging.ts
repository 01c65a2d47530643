// Scale's paged list shape: {count, next, previous, results}, with absolute next/previous URLs, and
// the page size as Scale's paginator reads it.
import type { Request } from 'express';
import type { Page } from '../store/listing.ts';

/** Scale's util/rest.py DefaultPagination: page_size = 100, max_page_size = 1000. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * The page size a page_size query value asks for, read as Scale's paginator (Django REST
 * framework's PageNumberPagination.get_page_size) reads it: the last value given; one that is not a
 * positive integer (`null`, `abc`, `0`, `-5`, `2.5`) means the default, and more than the maximum
 * means the maximum. Clients rely on this: scale-ui sends page_size=null.
 */
export function pageSizeOf(raw: unknown): number {
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  // Python's int() takes surrounding blanks and a sign.
  if (typeof v !== 'string' || !/^\s*[+-]?\d+\s*$/.test(v)) return DEFAULT_PAGE_SIZE;
  const n = Number(v.trim());
  if (!(n > 0)) return DEFAULT_PAGE_SIZE;
  return Math.min(n, MAX_PAGE_SIZE);
}

/** The rows of one page of a list held in memory. */
export function pageOf<T>(rows: T[], page: Page): T[] {
  return rows.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
}

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

/** JSON.stringify(paged(req, page, list, map)) where `text` writes each row's JSON itself (list pages: see jobJsonText). */
export function pagedText<T>(req: Request, page: Page, list: { count: number; rows: T[] }, text: (row: T) => string): string {
  const { next, previous } = paged(req, page, { count: list.count, rows: [] }, () => null);
  return `{"count":${JSON.stringify(list.count)},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":[${list.rows.map(text).join(',')}]}`;
}
