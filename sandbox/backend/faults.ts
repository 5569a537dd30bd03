/**
 * Fault injection (SANDBOX_FAULTS): makes the backend answer a named AWS operation with an
 * error, a set number of times, as AWS does when it throttles or fails, so the functions'
 * retries, Lambda's retries, the failed-jobs queue and the sweeper's repairs can be watched.
 *
 *   DescribeStacks:Throttling:6              the next 6 DescribeStacks calls are throttled
 *   DescribeStacks(arn:*):Throttling:6       only those naming a stack by its id (the notifier's read)
 *   PutParameter:InternalFailure:1,…         several switches, comma-separated
 *
 * The target in parentheses is matched, `*` as a wildcard, against what the call is about:
 * its StackName, Name (GetParameters: the first of its Names), SecretId or QueueUrl.
 */
import { AwsServiceError } from './aws-protocols';

export interface FaultSwitch {
  operation: string;
  /** A pattern for the call's target; undefined matches every call. */
  target?: string;
  /** The AWS error code to answer with, e.g. Throttling, ThrottlingException, InternalFailure. */
  code: string;
  times: number;
}

const SWITCH = /^([A-Z][A-Za-z]+)(?:\(([^()]+)\))?:([A-Z][A-Za-z.]+):(\d{1,4})$/;

/** Server-side errors, as AWS sends them (the SDK retries these and throttling; the rest it does not). */
const STATUS: Record<string, number> = { InternalFailure: 500, InternalError: 500, InternalServerError: 500, ServiceUnavailable: 503 };

/** The switches of a SANDBOX_FAULTS value; throws naming the first one it cannot read. */
export function parseFaultSwitches(text: string): FaultSwitch[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = SWITCH.exec(item);
      if (!match || Number(match[4]) < 1) throw new Error(`"${item}" is not Operation[(target)]:ErrorCode:times, e.g. DescribeStacks(arn:*):Throttling:6`);
      return { operation: match[1] as string, ...(match[2] ? { target: match[2] } : {}), code: match[3] as string, times: Number(match[4]) };
    });
}

export class Faults {
  private readonly left: { fault: FaultSwitch; pattern: RegExp; remaining: number }[];

  constructor(
    switches: readonly FaultSwitch[],
    private readonly log: (line: string) => void,
  ) {
    this.left = switches.map((fault) => ({ fault, pattern: globToRegExp(fault.target ?? '*'), remaining: fault.times }));
  }

  /** The error to answer this call with, if a switch still covers it; each answer uses up one. */
  take(operation: string, target: string | undefined): AwsServiceError | undefined {
    const hit = this.left.find(({ fault, pattern, remaining }) => remaining > 0 && fault.operation === operation && pattern.test(target ?? ''));
    if (!hit) return undefined;
    hit.remaining--;
    const { fault } = hit;
    this.log(`${operation}${target ? ` ${target}` : ''} answered ${fault.code} (${fault.times - hit.remaining} of ${fault.times})`);
    return new AwsServiceError(fault.code, `Injected by SANDBOX_FAULTS: ${fault.code}`, STATUS[fault.code] ?? 400);
  }

  /** How many answers each switch has left, for the tests. */
  remaining(): number[] {
    return this.left.map(({ remaining }) => remaining);
  }
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
