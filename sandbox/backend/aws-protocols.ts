/**
 * The two AWS wire protocols the functions' SDK clients speak to the sandbox:
 * awsQuery (CloudFormation: a form-encoded POST with Action=…, XML answers) and
 * awsJson1_1 (Secrets Manager, SSM: a JSON POST with X-Amz-Target, JSON answers).
 * The Lambda client talks to serverless-offline, which speaks its REST protocol itself.
 */
import { randomUUID } from 'node:crypto';

/** An error as the AWS service would return it; the SDK turns `code` into the exception's name. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

/** An HTTP answer, ready to write. */
export interface WireResponse {
  status: number;
  contentType: string;
  body: string;
}

// ---------------------------------------------------------------- awsQuery

/**
 * The members of a list in an awsQuery form: `Parameters.member.1.ParameterKey=…` becomes
 * `[{ ParameterKey: … }]`, in member order.
 */
export function queryStructList(form: URLSearchParams, name: string): Record<string, string>[] {
  const members = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${name}\\.member\\.(\\d+)\\.(\\w+)$`);
  for (const [key, value] of form) {
    const match = pattern.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    members.set(index, { ...members.get(index), [match[2] as string]: value });
  }
  return [...members.entries()].sort(([a], [b]) => a - b).map(([, member]) => member);
}

/** `Capabilities.member.1=CAPABILITY_IAM…` as a list, in member order. */
export function queryStringList(form: URLSearchParams, name: string): string[] {
  const pattern = new RegExp(`^${name}\\.member\\.(\\d+)$`);
  return [...form]
    .map(([key, value]) => [pattern.exec(key)?.[1], value] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** XML as awsQuery services write it: lists as `<member>` elements, times in ISO 8601. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([key, child]) => toXml(key, child)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` for a result; without a result for actions that return none. */
export function queryResponse(namespace: string, action: string, result: Record<string, unknown> | undefined): WireResponse {
  const body = `<${action}Response xmlns="${namespace}">${result ? toXml(`${action}Result`, result) : ''}${toXml('ResponseMetadata', { RequestId: randomUUID() })}</${action}Response>`;
  return { status: 200, contentType: 'text/xml', body };
}

/** The awsQuery error document: `<ErrorResponse><Error><Type>Sender</Type><Code>…`. */
export function queryError(namespace: string, error: AwsServiceError): WireResponse {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const body = `<ErrorResponse xmlns="${namespace}">${toXml('Error', { Type: type, Code: error.code, Message: error.message })}${toXml('RequestId', randomUUID())}</ErrorResponse>`;
  return { status: error.status, contentType: 'text/xml', body };
}

// ---------------------------------------------------------------- awsJson1_1

/** Timestamps travel as epoch seconds in awsJson. */
export const epochSeconds = (date: Date) => date.getTime() / 1000;

export function jsonResponse(output: unknown): WireResponse {
  return { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(output) };
}

export function jsonError(error: AwsServiceError): WireResponse {
  return { status: error.status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: error.code, message: error.message }) };
}

/** The service a request is signed for, from its SigV4 credential scope (`…/<date>/<region>/<service>/aws4_request`). */
export function signedService(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];
}
