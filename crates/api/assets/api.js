// Token handling and the REST client. The token comes from the URL fragment (`#token=…`,
// which never reaches a server log), is kept in sessionStorage only (gone with the tab) and is
// removed from the address bar so it does not end up in screenshots or bookmarks.

const STORAGE_KEY = 'hlmm.token';

/** Moves a `#token=` fragment into sessionStorage; returns the stored token or null. */
export function takeToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('token');
  if (fromHash) {
    sessionStorage.setItem(STORAGE_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(STORAGE_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** A non-2xx answer: `status` and the parsed `{error, reason, errors?}` body when there is one. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.reason || body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// Called with the error on every 401, so the app can ask for a new token once, in one place.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Sends a request with the bearer token; resolves to the JSON body or throws ApiError. */
export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(STORAGE_KEY) ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try {
    json = await res.json();
  } catch {
    // An empty or non-JSON body: the status alone tells what happened.
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
