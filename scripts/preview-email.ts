/**
 * Writes a sample of the developer email to dist/email-preview.html and .txt, to open in a
 * browser (or paste into an email client's test send) while working on the template.
 * Usage: npm run preview:email
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderDeveloperEmail } from '../shared/email/email';

const email = renderDeveloperEmail({
  developerName: 'alice',
  slot: 1,
  requestedByName: 'lead',
  url: 'https://dev-1.code.example.com',
  // A sample, not a real password: the preview must look like the real thing.
  password: 'Q7vxm2KpR9tLw4ZsB8nHc3Jd',
  previews: true,
  endsAt: new Date(Date.now() + 8 * 3_600_000),
});

const outputDirectory = resolve(__dirname, '..', 'dist');
mkdirSync(outputDirectory, { recursive: true });
const htmlPath = join(outputDirectory, 'email-preview.html');
const textPath = join(outputDirectory, 'email-preview.txt');
writeFileSync(htmlPath, email.html);
writeFileSync(textPath, `Subject: ${email.subject}\n\n${email.text}`);
console.log(`Subject: ${email.subject}\nHTML: ${htmlPath}\nText: ${textPath}`);
