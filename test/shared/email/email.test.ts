import { describe, expect, it } from 'vitest';
import { escapeHtml, formatUtc, renderDeveloperEmail } from '../../../shared/email/email';

const input = {
  developerName: 'alice',
  slot: 1,
  requestedByName: 'lead',
  url: 'https://dev-1.code.example.com',
  password: 'Q7vxm2KpR9tLw4ZsB8nHc3Jd',
  previews: true,
  endsAt: new Date('2026-11-28T17:00:00.000Z'),
};

describe('renderDeveloperEmail', () => {
  it('says who started it, the link, the password, when it stops and to push first, in both parts', () => {
    const email = renderDeveloperEmail(input);

    expect(email.subject).toBe('Your team IDE dev-1 is ready');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('lead started a VS Code in the browser for you (dev-1)');
      expect(part).toContain('https://dev-1.code.example.com');
      expect(part).toContain('Q7vxm2KpR9tLw4ZsB8nHc3Jd');
      expect(part).toContain('2026-11-28 17:00 UTC');
      expect(part).toContain('Push your work before the run stops: the host and its disks are deleted.');
    }
    expect(email.html).toContain('<a href="https://dev-1.code.example.com"');
  });

  it('says the home is saved at the stop, instead of asking to push first, when the run keeps homes', () => {
    const email = renderDeveloperEmail({ ...input, homeKept: true });

    for (const part of [email.html, email.text]) {
      expect(part).toContain('Your home (/home/coder: projects, settings, extensions) is saved when the run stops and comes back at the next start.');
      expect(part).not.toContain('disks are deleted');
    }
  });

  it('gives the preview address of port 3000 and the form for any port, and says only the developer can open them', () => {
    const email = renderDeveloperEmail(input);

    for (const part of [email.html, email.text]) {
      expect(part).toContain('https://3000.dev-1.code.example.com');
      expect(part).toContain('behind the same login: only you can open it');
    }
    expect(email.text).toContain('(any port: https://<port>.dev-1.code.example.com)');
    expect(email.html).toContain('Any port: https://&lt;port&gt;.dev-1.code.example.com');
    expect(email.html).toContain('<a href="https://3000.dev-1.code.example.com"');
  });

  it('without previews, gives the path through the IDE instead, with the port of the IDE kept', () => {
    const email = renderDeveloperEmail({ ...input, url: 'https://dev-1.code.example.com:8443', previews: false });

    expect(email.text).toContain('A web app you run on port 3000 opens at https://dev-1.code.example.com:8443/proxy/3000/');
    expect(email.text).toContain('(any port: https://dev-1.code.example.com:8443/proxy/<port>/), behind the same login.');
    expect(email.text).not.toContain('3000.dev-1');
  });

  it('says the run lasts until someone stops it when it has no lifetime', () => {
    const { endsAt: _endsAt, ...withoutEnd } = input;

    const email = renderDeveloperEmail(withoutEnd);

    expect(email.text).toContain('It runs until someone types /ide stop in Slack.');
    expect(email.html).not.toContain('Stops at');
  });

  it('escapes every interpolated value in the HTML', () => {
    const email = renderDeveloperEmail({ ...input, developerName: '<script>x</script>', requestedByName: 'a&b', password: 'p<a>"s\'s', url: 'https://dev-1.code.example.com/?a=1&b="2"' });

    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(email.html).toContain('a&amp;b');
    expect(email.html).toContain('p&lt;a&gt;&quot;s&#39;s');
    expect(email.html).toContain('href="https://dev-1.code.example.com/?a=1&amp;b=&quot;2&quot;"');
    expect(email.text).toContain('Password: p<a>"s\'s');
  });

  it('uses inline styles and layout tables only, which Gmail and Outlook keep', () => {
    const { html } = renderDeveloperEmail(input);

    expect(html).not.toMatch(/<style|<link|class=|<div[^>]*display:\s*flex|<script/i);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<table role="presentation"');
  });
});

describe('formatUtc', () => {
  it('prints minutes and names the zone', () => {
    expect(formatUtc(new Date('2026-01-05T08:07:59.999Z'))).toBe('2026-01-05 08:07 UTC');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
