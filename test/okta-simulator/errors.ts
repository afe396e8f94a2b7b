import type { OktaErrorBody } from './types';

/** An Okta error response before headers are added. */
export interface OktaFailure {
  status: number;
  body: OktaErrorBody;
}

/** Builds an Okta error body; `errorLink` repeats the code, as Okta does. */
export function oktaError(
  status: number,
  errorCode: string,
  errorSummary: string,
  errorId: string,
): OktaFailure {
  return {
    status,
    body: { errorCode, errorSummary, errorLink: errorCode, errorId, errorCauses: [] },
  };
}

/** Error codes and summaries the simulator uses (Okta's catalogue). */
export const OKTA_ERRORS = {
  invalidToken: { status: 401, code: 'E0000011', summary: 'Invalid token provided' },
  forbidden: {
    status: 403,
    code: 'E0000006',
    summary: 'You do not have permission to perform the requested action',
  },
  notFound: { status: 404, code: 'E0000007', summary: 'Not found: Resource not found' },
  methodNotAllowed: {
    status: 405,
    code: 'E0000022',
    summary: 'The endpoint does not support the provided HTTP method',
  },
  invalidSearch: { status: 400, code: 'E0000031', summary: 'Invalid search criteria.' },
  searchAndFilter: {
    status: 400,
    code: 'E0000033',
    summary: 'Search and filter cannot be used at the same time.',
  },
  invalidPaging: { status: 400, code: 'E0000054', summary: 'Invalid paging request.' },
  rateLimited: {
    status: 429,
    code: 'E0000047',
    summary: 'API call exceeded rate limit due to too many requests.',
  },
  internal: { status: 500, code: 'E0000009', summary: 'Internal Server Error' },
  unavailable: { status: 503, code: 'E0000010', summary: 'Service is in read only mode' },
} as const;

/** Okta's 404 for a missing object: "Not found: Resource not found: {id} ({Kind})". */
export function notFound(id: string, kind: string, errorId: string): OktaFailure {
  return oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${kind})`, errorId);
}

/** The default Okta body for a status used in a canned fault response. */
export function defaultErrorFor(status: number, errorId: string): OktaFailure {
  const known = Object.values(OKTA_ERRORS).find((e) => e.status === status);
  if (known) return oktaError(status, known.code, known.summary, errorId);
  return oktaError(status, 'E0000009', 'Internal Server Error', errorId);
}

/** What an edge proxy sends for a 502: HTML, not Okta's JSON (okta-api.md §7, cartography #2854). */
export const GATEWAY_ERROR_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
