import type { ServerResponse } from 'node:http';

/** A JSON answer; OAuth and metadata documents are read cross-origin by browser-based clients. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Access-Control-Allow-Origin': '*',
    ...headers,
  });
  res.end(text);
}

/** The answer to a browser's CORS preflight of a metadata document. */
export function corsPreflight(res: ServerResponse): true {
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'MCP-Protocol-Version, Content-Type',
  });
  res.end();
  return true;
}
