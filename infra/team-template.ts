import { gzipSync } from 'node:zlib';
import templateSource from './team-stack.yaml';
import bootScript from './host/boot.sh';
import images from './host/images.sh';
import seatReport from './host/seat-report.sh';
import traefikStatic from './host/traefik.yaml';
import traefikDynamic from './host/dynamic.yaml';

/** The string literal of infra/team-stack.yaml that the host script replaces. */
export const HOST_SCRIPT_PLACEHOLDER = '__TEAM_IDE_HOST_SCRIPT__';

/** Where the user data writes the host files; boot.sh reads them from there. */
export const HOST_FILES_DIR = '/opt/team-ide';

/** The template body cap of CreateStack with TemplateBody. */
export const TEMPLATE_BODY_LIMIT = 51_200;

/** The EC2 user data cap, before base64 encoding. */
export const USER_DATA_LIMIT = 16_384;

const HEREDOC_DELIMITER = 'TEAM_IDE_EOF';

/** Width of the base64 lines in the user data, as `base64` itself writes them. */
const BASE64_LINE_WIDTH = 76;

/** The template source and the host files it embeds, as text. */
export interface TeamTemplateParts {
  /** infra/team-stack.yaml, holding HOST_SCRIPT_PLACEHOLDER once, double-quoted. */
  template: string;
  /** infra/host/boot.sh */
  bootScript: string;
  /** infra/host/traefik.yaml (Traefik static configuration) */
  traefikStatic: string;
  /** infra/host/dynamic.yaml (Traefik file provider) */
  traefikDynamic: string;
  /** infra/host/images.sh: the pinned image tags boot.sh sources */
  images: string;
  /** infra/host/seat-report.sh: which IDEs are in use, every minute, for the idle stop */
  seatReport: string;
}

/** Thrown when the parts cannot make a valid template. */
export class TeamTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamTemplateError';
  }
}

/**
 * The file without its comment lines (a shebang stays): the user data is capped at 16 KB
 * and the host needs no comments; the sources in infra/host keep them. Only whole lines
 * starting with `#` go, which in these files are never inside a multi-line string.
 */
export function withoutCommentLines(content: string): string {
  return content
    .split('\n')
    .filter((line, index) => !/^\s*#/.test(line) || (index === 0 && line.startsWith('#!')))
    .join('\n');
}

/**
 * Writes one host file from the user data: gzip, then base64 in a quoted heredoc,
 * because the user data is capped at 16 KB and the host files alone are near that.
 * The base64 alphabet holds no `_`, so no content can end the heredoc early.
 */
function compressedFile(destination: string, content: string, mode: string): string {
  const stripped = withoutCommentLines(content);
  const body = stripped.endsWith('\n') ? stripped : `${stripped}\n`;
  const encoded = gzipSync(body, { level: 9 }).toString('base64');
  const lines = encoded.match(new RegExp(`.{1,${BASE64_LINE_WIDTH}}`, 'g')) ?? [];
  const path = `"\${HOST_ROOT:-}${destination}"`;
  return `base64 -d <<'${HEREDOC_DELIMITER}' | gunzip >${path}\n${lines.join('\n')}\n${HEREDOC_DELIMITER}\nchmod ${mode} ${path}\n`;
}

/**
 * The part of the user data that follows the CloudFormation header: writes
 * the host files, without their comment lines and compressed, and runs boot.sh.
 */
export function renderHostScript(parts: Omit<TeamTemplateParts, 'template'>): string {
  return [
    '# Host files of team-ide (infra/host), written by the build.\n',
    'set -euo pipefail\n',
    `install -d -m 0755 "\${HOST_ROOT:-}${HOST_FILES_DIR}"\n`,
    compressedFile(`${HOST_FILES_DIR}/traefik.yaml`, parts.traefikStatic, '0644'),
    compressedFile(`${HOST_FILES_DIR}/dynamic.yaml`, parts.traefikDynamic, '0644'),
    compressedFile(`${HOST_FILES_DIR}/images.sh`, parts.images, '0644'),
    compressedFile(`${HOST_FILES_DIR}/seat-report.sh`, parts.seatReport, '0755'),
    compressedFile(`${HOST_FILES_DIR}/boot.sh`, parts.bootScript, '0755'),
    `exec /bin/bash "\${HOST_ROOT:-}${HOST_FILES_DIR}/boot.sh"\n`,
  ].join('');
}

/**
 * A YAML double-quoted scalar for any string. JSON string escapes are valid
 * YAML escapes; U+2028/U+2029 are escaped too because YAML 1.1 parsers read
 * them as line breaks.
 */
export function toYamlDoubleQuoted(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Puts the host script into the template source. Pure string work, so the
 * launcher bundle needs no YAML library.
 */
export function assembleTeamTemplate(parts: TeamTemplateParts): string {
  const literal = `"${HOST_SCRIPT_PLACEHOLDER}"`;
  const count = parts.template.split(literal).length - 1;
  if (count !== 1) {
    throw new TeamTemplateError(
      `The template must hold ${literal} exactly once where the host script goes; it holds it ${count} times.`,
    );
  }
  const hostScript = renderHostScript(parts);
  return parts.template.replace(literal, () => toYamlDoubleQuoted(hostScript));
}

/** The team stack template that the launcher passes to CreateStack as TemplateBody. */
export const teamTemplateBody: string = assembleTeamTemplate({
  template: templateSource,
  bootScript,
  traefikStatic,
  traefikDynamic,
  images,
  seatReport,
});
