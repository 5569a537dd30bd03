/**
 * Slack's published limits on a message and its Block Kit blocks (docs.slack.dev, Block Kit
 * reference: blocks, block elements, composition objects). Slack refuses a message that
 * breaks any of them with `invalid_blocks` (or `msg_too_long`), ephemeral answers and
 * response_url messages included; the sandbox's Slack refuses the same, and the tests run
 * every message the product builds through `blockKitProblems`.
 */
/**
 * Per message, block and element type, the limits the product can meet (it builds sections,
 * context lines and buttons). Written here from Slack's reference rather than taken from the
 * product's own SLACK_LIMITS: a stand-in that shared a wrong number would pass what Slack refuses.
 */
const LIMITS = {
  blocksPerMessage: 50,
  messageText: 40_000,
  sectionText: 3000,
  blockId: 255,
  sectionFields: 10,
  sectionField: 2000,
  contextElements: 10,
  actionsElements: 25,
  headerText: 150,
  button: { text: 75, actionId: 255, value: 2000, url: 3000 },
  confirm: { title: 100, text: 300, confirm: 30, deny: 30 },
} as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined => (isObject(value) && typeof value.text === 'string' ? value.text : undefined);

/** Every way `message` breaks Slack's limits, each as `where: what`; empty when Slack would take it. */
export function blockKitProblems(message: unknown): string[] {
  if (!isObject(message)) return ['message: not an object'];
  const problems: string[] = [];
  const { blocks, text } = message;
  if (blocks !== undefined && !Array.isArray(blocks)) return ['blocks: not a list'];
  const list = (blocks ?? []) as unknown[];
  if (list.length > LIMITS.blocksPerMessage) problems.push(`blocks: ${list.length} blocks, Slack takes at most ${LIMITS.blocksPerMessage}`);
  // `delete_original` to a response_url deletes the message it belongs to: it carries no message of its own.
  if (list.length === 0 && (typeof text !== 'string' || text === '') && message.delete_original !== true) problems.push('message: neither text nor blocks');
  const total = (typeof text === 'string' ? text.length : 0) + list.reduce<number>((sum, block) => sum + textLength(block), 0);
  if (total > LIMITS.messageText) problems.push(`message: ${total} characters of text, Slack takes at most ${LIMITS.messageText}`);
  list.forEach((block, index) => problems.push(...blockProblems(block, `blocks[${index}]`)));
  return problems;
}

/** All the text a block carries, as Slack counts it towards a message's length. */
function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + textLength(item), 0);
  if (!isObject(value)) return 0;
  return Object.entries(value).reduce<number>((sum, [key, child]) => sum + (key === 'text' && typeof child === 'string' ? child.length : textLength(child)), 0);
}

function tooLong(where: string, text: string | undefined, max: number): string[] {
  return text !== undefined && text.length > max ? [`${where}: ${text.length} characters, Slack takes at most ${max}`] : [];
}

function blockProblems(block: unknown, where: string): string[] {
  if (!isObject(block)) return [`${where}: not an object`];
  const problems = tooLong(`${where}.block_id`, typeof block.block_id === 'string' ? block.block_id : undefined, LIMITS.blockId);
  switch (block.type) {
    case 'section': {
      const text = textOf(block.text);
      const fields = Array.isArray(block.fields) ? block.fields : undefined;
      if (text === undefined && !fields) problems.push(`${where}: a section needs text or fields`);
      if (text === '') problems.push(`${where}.text: empty, Slack takes at least 1 character`);
      problems.push(...tooLong(`${where}.text`, text, LIMITS.sectionText));
      if (fields && fields.length > LIMITS.sectionFields) problems.push(`${where}.fields: ${fields.length} fields, Slack takes at most ${LIMITS.sectionFields}`);
      fields?.forEach((field, index) => problems.push(...tooLong(`${where}.fields[${index}]`, textOf(field), LIMITS.sectionField)));
      if (block.accessory !== undefined) problems.push(...elementProblems(block.accessory, `${where}.accessory`));
      return problems;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > LIMITS.contextElements) problems.push(`${where}.elements: ${elements.length} elements, Slack takes 1 to ${LIMITS.contextElements}`);
      elements.forEach((element, index) => problems.push(...tooLong(`${where}.elements[${index}]`, textOf(element), LIMITS.sectionText)));
      return problems;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > LIMITS.actionsElements) problems.push(`${where}.elements: ${elements.length} elements, Slack takes 1 to ${LIMITS.actionsElements}`);
      elements.forEach((element, index) => problems.push(...elementProblems(element, `${where}.elements[${index}]`)));
      return problems;
    }
    case 'header':
      return [...problems, ...tooLong(`${where}.text`, textOf(block.text), LIMITS.headerText)];
    case 'divider':
      return problems;
    default:
      return [...problems, `${where}: block type ${String(block.type)} is not checked here: add its limits`];
  }
}

function elementProblems(element: unknown, where: string): string[] {
  if (!isObject(element) || element.type !== 'button') return [`${where}: only buttons are checked here: add the element's limits`];
  const { button, confirm } = LIMITS;
  const problems = [
    ...tooLong(`${where}.text`, textOf(element.text), button.text),
    ...tooLong(`${where}.action_id`, typeof element.action_id === 'string' ? element.action_id : undefined, button.actionId),
    ...tooLong(`${where}.value`, typeof element.value === 'string' ? element.value : undefined, button.value),
    ...tooLong(`${where}.url`, typeof element.url === 'string' ? element.url : undefined, button.url),
  ];
  if (isObject(element.confirm)) {
    for (const part of ['title', 'text', 'confirm', 'deny'] as const) {
      problems.push(...tooLong(`${where}.confirm.${part}`, textOf(element.confirm[part]), confirm[part]));
    }
  }
  return problems;
}
