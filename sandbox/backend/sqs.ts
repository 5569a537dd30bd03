/**
 * The sandbox's SQS: the failed-jobs queue, as the sweeper reads it (awsJson1_0, X-Amz-Target
 * AmazonSQS.<operation>) and as the sandbox's Lambda writes to it. Standard-queue semantics
 * the sweeper relies on: a received message is hidden for its visibility timeout, comes back
 * with a higher ApproximateReceiveCount unless deleted, and is deleted by its latest receipt
 * handle only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsServiceError } from './aws-protocols';

interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: Date;
  receiveCount: number;
  firstReceivedAt?: Date;
  visibleAt: number;
  receiptHandle?: string;
}

/** What the queue holds, for the tests and the CLI. */
export interface QueueEntry {
  messageId: string;
  body: string;
  sentAt: string;
  receiveCount: number;
}

/** SQS's bound on a visibility timeout, in seconds (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The system attributes a message of this standard queue has; the FIFO-only ones are never returned for it. */
const systemAttributes = (message: QueuedMessage): Record<string, string | undefined> => ({
  ApproximateReceiveCount: String(message.receiveCount),
  ApproximateFirstReceiveTimestamp: message.firstReceivedAt && String(message.firstReceivedAt.getTime()),
  SentTimestamp: String(message.sentAt.getTime()),
});

/**
 * The attributes a receive names, in MessageSystemAttributeNames or the older AttributeNames
 * (`All` for every one): SQS returns those only, and no Attributes at all when none is named.
 */
function namedAttributes(input: Record<string, unknown>): (message: QueuedMessage) => Record<string, string> | undefined {
  const names = [input.MessageSystemAttributeNames, input.AttributeNames].flatMap((list) => (Array.isArray(list) ? list.map(String) : []));
  if (names.length === 0) return () => undefined;
  return (message) =>
    Object.fromEntries(
      Object.entries(systemAttributes(message)).filter((entry): entry is [string, string] => entry[1] !== undefined && (names.includes('All') || names.includes(entry[0]))),
    );
}

const notFound = (queueUrl: unknown) =>
  new AwsServiceError('QueueDoesNotExist', `The specified queue ${String(queueUrl)} does not exist for this wsdl version.`);

export class SandboxQueue {
  private readonly messages: QueuedMessage[] = [];

  constructor(
    /** `/<account>/<queue name>`: the path of the one queue URL it answers to (FAILED_JOBS_QUEUE_URL's); any other queue does not exist. */
    readonly path: string,
    private readonly log: (line: string) => void,
  ) {}

  /** SendMessage, as Lambda's on-failure destination does it. */
  send(body: string): string {
    const messageId = randomUUID();
    this.messages.push({ messageId, body, sentAt: new Date(), receiveCount: 0, visibleAt: 0 });
    this.log(`failed-jobs queue: message ${messageId} received`);
    return messageId;
  }

  list(): QueueEntry[] {
    return this.messages.map(({ messageId, body, sentAt, receiveCount }) => ({ messageId, body, sentAt: sentAt.toISOString(), receiveCount }));
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    if (typeof input.QueueUrl !== 'string' || !URL.canParse(input.QueueUrl) || new URL(input.QueueUrl).pathname !== this.path) throw notFound(input.QueueUrl);
    switch (operation) {
      case 'ReceiveMessage':
        return this.receive(input);
      case 'DeleteMessage': {
        const index = this.messages.findIndex((message) => message.receiptHandle !== undefined && message.receiptHandle === input.ReceiptHandle);
        if (index < 0) throw new AwsServiceError('ReceiptHandleIsInvalid', `The input receipt handle "${String(input.ReceiptHandle)}" is not a valid receipt handle.`);
        this.messages.splice(index, 1);
        return {};
      }
      default:
        throw new AwsServiceError('InvalidAction', `The sandbox's SQS emulates ReceiveMessage and DeleteMessage, not ${operation}`);
    }
  }

  private receive(input: Record<string, unknown>): unknown {
    const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new AwsServiceError('InvalidParameterValue', `Value ${String(input.MaxNumberOfMessages)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    const visibility = input.VisibilityTimeout === undefined ? 30 : input.VisibilityTimeout;
    // Checked as SQS checks it: a timeout that is not a number would hide the message for good.
    if (typeof visibility !== 'number' || !Number.isInteger(visibility) || visibility < 0 || visibility > MAX_VISIBILITY_SECONDS) {
      throw new AwsServiceError('InvalidParameterValue', `Value ${String(input.VisibilityTimeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and ${MAX_VISIBILITY_SECONDS}, if provided.`);
    }
    const attributes = namedAttributes(input);
    const now = Date.now();
    const received = this.messages.filter((message) => message.visibleAt <= now).slice(0, max);
    for (const message of received) {
      message.receiveCount++;
      message.firstReceivedAt ??= new Date(now);
      message.visibleAt = now + visibility * 1000;
      message.receiptHandle = randomUUID();
    }
    return {
      Messages: received.map((message) => ({
        MessageId: message.messageId,
        ReceiptHandle: message.receiptHandle,
        // The SDK checks the body against its MD5, as with AWS.
        MD5OfBody: createHash('md5').update(message.body).digest('hex'),
        Body: message.body,
        Attributes: attributes(message),
      })),
    };
  }
}
