import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';

/**
 * The Traefik dashboard's basic-auth credential: one htpasswd line `admin:$2b$…` in an SSM
 * SecureString the host reads at boot. bcryptjs rather than the htpasswd tool: it needs no
 * apache2-utils on the deployer's machine, and Traefik's htpasswd reader accepts its
 * `$2b$` hashes as it does htpasswd's `$2y$`.
 */
export const DASHBOARD_USER = 'admin';

/** Cost 10: about 50–100 ms per check on the host; the dashboard is the only thing behind it. */
const BCRYPT_COST = 10;

/** A bcrypt htpasswd line as boot.sh and Traefik take it. */
export const HTPASSWD_LINE = /^[^:\s]+:\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** 24 letters and digits from a CSPRNG (about 140 bits), like the developers' passwords. */
export function generateDashboardPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let password = '';
  while (password.length < 24) {
    for (const byte of randomBytes(32)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < Math.floor(256 / alphabet.length) * alphabet.length && password.length < 24) password += alphabet[byte % alphabet.length];
    }
  }
  return password;
}

export function htpasswdLine(password: string, user = DASHBOARD_USER): string {
  return `${user}:${bcrypt.hashSync(password, BCRYPT_COST)}`;
}
