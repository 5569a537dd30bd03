/**
 * The AWS wire protocols the SDK clients speak to the sandbox: awsQuery (CloudFormation,
 * STS, SES v1: a form-encoded POST with Action=…, XML answers), EC2's own dialect of it
 * (`<item>` lists, camelCase names, `<Response><Errors>` errors), restJson1 (SES v2) and
 * awsJson1_1 (Secrets Manager, SSM: a JSON POST with X-Amz-Target, JSON answers). The
 * Lambda client talks to serverless-offline, which speaks its REST protocol itself.
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
  /** Beside content-type and the request id, e.g. Slack's `x-oauth-scopes`. */
  headers?: Record<string, string>;
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

/**
 * `Capabilities.member.1=CAPABILITY_IAM…` as a list, in member order; EC2 numbers its lists
 * without the `member` segment (`VpcId.1=…`): its callers pass `.` as the separator.
 */
export function queryStringList(form: URLSearchParams, name: string, separator = '.member.'): string[] {
  const pattern = new RegExp(`^${name}${separator.replace(/\./g, '\\.')}(\\d+)$`);
  return [...form]
    .map(([key, value]) => [pattern.exec(key)?.[1], value] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

/** Text as it may stand in an XML element. */
export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * XML as awsQuery services write it: lists as `<member>` elements (EC2: `<item>`; an
 * `XmlList` names its elements itself, as Route 53's `<HostedZones><HostedZone>…` and SES's
 * maps' `<entry>`s), times in ISO 8601.
 */
export function toXml(name: string, value: unknown, listItem = 'member'): string {
  if (value === undefined || value === null) return '';
  if (value instanceof XmlList) return `<${name}>${value.items.map((item) => toXml(value.itemName, item, listItem)).join('')}</${name}>`;
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml(listItem, item, listItem)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([key, child]) => toXml(key, child, listItem)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A list whose elements have their own name: Route 53's `<HostedZones><HostedZone>…`, an awsQuery map's `<entry>`s. */
export class XmlList {
  constructor(
    readonly itemName: string,
    readonly items: readonly unknown[],
  ) {}
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

// ---------------------------------------------------------------- EC2

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** `<DescribeVpcsResponse><requestId>…</requestId><vpcSet><item>…`: no Result wrapper, lists of `<item>`. */
export function ec2Response(action: string, result: Record<string, unknown>): WireResponse {
  const children = Object.entries({ requestId: randomUUID(), ...result }).map(([key, value]) => toXml(key, value, 'item')).join('');
  return { status: 200, contentType: 'text/xml;charset=UTF-8', body: `<${action}Response xmlns="${EC2_NAMESPACE}">${children}</${action}Response>` };
}

/** EC2's error document: `<Response><Errors><Error><Code>…</Code><Message>…`. */
export function ec2Error(error: AwsServiceError): WireResponse {
  const body = `<Response>${toXml('Errors', new XmlList('Error', [{ Code: error.code, Message: error.message }]))}${toXml('RequestID', randomUUID())}</Response>`;
  return { status: error.status, contentType: 'text/xml;charset=UTF-8', body };
}

/** The `Filter.N.Name` / `Filter.N.Value.M` pairs of an EC2 request. */
export function ec2Filters(form: URLSearchParams): { name: string; values: string[] }[] {
  const filters = new Map<number, { name: string; values: string[] }>();
  for (const [key, value] of form) {
    const match = /^Filter\.(\d+)\.(Name|Value\.\d+)$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const filter = filters.get(index) ?? { name: '', values: [] };
    if (match[2] === 'Name') filter.name = value;
    else filter.values.push(value);
    filters.set(index, filter);
  }
  return [...filters.entries()].sort(([a], [b]) => a - b).map(([, filter]) => filter);
}

// ---------------------------------------------------------------- restJson1

export function restJsonResponse(output: unknown): WireResponse {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(output) };
}

/** restJson1 errors name their type in a header as well as the body. */
export function restJsonError(error: AwsServiceError): WireResponse {
  return { status: error.status, contentType: 'application/json', body: JSON.stringify({ message: error.message }), headers: { 'x-amzn-errortype': error.code } };
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
