// The master's /v1 REST API, with the operator's key (if any) from this
// tab's session storage. Every call resolves to parsed JSON or throws an
// ApiError carrying the HTTP status and the master's own message.

const KEY = "infaas.apiKey";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function apiKey() { return sessionStorage.getItem(KEY) || ""; }
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

async function call(method, path, body) {
  const headers = {};
  if (apiKey()) headers["Authorization"] = "Bearer " + apiKey();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "the master did not answer (" + e.message + ")");
  }
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { error: text }; }
  if (!response.ok) throw new ApiError(response.status, json.error || response.statusText);
  return json;
}

export const getJson = (path) => call("GET", path);
export const postJson = (path, body) => call("POST", path, body);
