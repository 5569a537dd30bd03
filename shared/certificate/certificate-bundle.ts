import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { CertificateKeyType } from '../core/config';

/**
 * What the host reads from the certificate parameter: the PEM chain (leaf first) and then
 * its private key, in one value. One PutParameter replaces both at once, so a host booting
 * during a renewal never gets a new chain beside the old key (infra/host/boot.sh splits it).
 */
export interface CertificateBundle {
  /** PEM certificates, leaf first. */
  chain: string[];
  /** PEM private key of the leaf. */
  privateKey: string;
}

/** What the certificate function and `/ide status` need to know about a certificate. */
export interface CertificateFacts {
  /** DNS names of the leaf (its subjectAltName), e.g. `*.code.example.com`, `code.example.com`. */
  names: string[];
  notAfter: Date;
  issuer: string;
  keyType: CertificateKeyType | 'other';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** The value written to SSM: the chain, then the key, each block on its own lines. */
export function formatBundle(bundle: CertificateBundle): string {
  return `${[...bundle.chain, bundle.privateKey].map((block) => block.trim()).join('\n')}\n`;
}

/**
 * Reads a bundle as the host does: every CERTIFICATE block in order, and the one PRIVATE KEY
 * block (PKCS#8, or the older EC/RSA forms), wherever it stands. Returns a problem in words
 * when the value is not a usable bundle.
 */
export function parseBundle(text: string): { bundle: CertificateBundle } | { problem: string } {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] as string, pem: match[0].replace(/\r\n/g, '\n') }));
  const chain = blocks.filter((block) => block.label === 'CERTIFICATE').map((block) => block.pem);
  const keys = blocks.filter((block) => /^([A-Z]+ )?PRIVATE KEY$/.test(block.label)).map((block) => block.pem);
  if (chain.length === 0) return { problem: 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----)' };
  if (keys.length === 0) return { problem: 'it holds the certificate but not its private key: put the chain and then the key in this one parameter (cat fullchain.pem privkey.pem)' };
  if (keys.length > 1) return { problem: 'it holds more than one private key: keep only the key of the first certificate' };
  const bundle = { chain, privateKey: keys[0] as string };
  try {
    const leaf = new X509Certificate(chain[0] as string);
    if (!leaf.checkPrivateKey(createPrivateKey(bundle.privateKey))) {
      return { problem: 'its private key is not the key of its first certificate: the leaf must come first, with its own key' };
    }
  } catch (error) {
    return { problem: `it cannot be read as PEM (${(error as Error).message})` };
  }
  return { bundle };
}

export function certificateFacts(bundle: CertificateBundle): CertificateFacts {
  const leaf = new X509Certificate(bundle.chain[0] as string);
  const keyType = createPublicKey(bundle.privateKey).asymmetricKeyType;
  return {
    names: dnsNames(leaf),
    notAfter: new Date(leaf.validTo),
    issuer: leaf.issuer.split('\n').find((part) => part.startsWith('CN='))?.slice(3) ?? leaf.issuer,
    keyType: keyType === 'ec' ? 'ecdsa' : keyType === 'rsa' ? 'rsa' : 'other',
  };
}

function dnsNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

const DAY_MS = 86_400_000;

/** Whole days left before `notAfter`, rounded down (negative once expired). */
export function daysLeft(facts: Pick<CertificateFacts, 'notAfter'>, now: Date): number {
  return Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
}
