// The gateway's REST API as the dashboard calls it: same origin, the API key as a bearer token, errors as the
// API's `{ code, message }` body.

/** An API error as the gateway reports it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Role = 'admin' | 'operator' | 'auditor';

/** Who the API key is (`GET /dashboard/session`). */
export interface Session {
  readonly key: string;
  readonly keyId: string;
  readonly role: Role;
  readonly org: string;
}

// sessionStorage, not localStorage: the key is gone when the tab closes, and other tabs never see it.
const KEY_ITEM = 'provena.apiKey';

export const storedKey = (): string | null => sessionStorage.getItem(KEY_ITEM);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_ITEM);

/** Calls the API; resolves to the parsed JSON body, rejects with {@link ApiError}. */
export async function api<T>(
  key: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      accept: 'application/json',
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    ...(init.signal && { signal: init.signal }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body ?? {}) as { code?: unknown; message?: unknown };
    throw new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error.message === 'string' ? error.message : response.statusText,
    );
  }
  return body as T;
}

/** Signs in: asks the gateway who the key is, and keeps the key for this tab only when it is valid. */
export async function signIn(key: string): Promise<Session> {
  const who = await api<Omit<Session, 'key'>>(key, '/dashboard/session');
  storeKey(key);
  return { ...who, key };
}

/** Every page of a `{ items, bookmark }` listing, up to `limit` items. */
export async function allPages<T>(key: string, path: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let bookmark = '';
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api<{ items: T[]; bookmark: string }>(
      key,
      `${path}${separator}pageSize=200&bookmark=${encodeURIComponent(bookmark)}`,
    );
    items.push(...page.items);
    bookmark = page.items.length === 0 ? '' : page.bookmark;
  } while (bookmark !== '' && items.length < limit);
  return items;
}
