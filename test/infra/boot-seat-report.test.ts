import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeatReport } from '../../shared/idle/seat-report';
import { dockerRun, type DryRunResult, optionValue, readHostFile, runBootDryRun, SAMPLE } from './boot-dry-run';

const SLOTS = ['1', '2', '5'];
const REPORT = `/${SAMPLE.stackName}/${SAMPLE.runId}/seats`;

// The host's half of the idle stop, in the dry run of the real user data: the boot installs the
// seat report and its timer, and the report itself runs with stub curl and aws.
describe('boot dry run: the seat report, for slots 1,2,5', () => {
  let result: DryRunResult;

  beforeAll(async () => {
    result = await runBootDryRun({ slots: SLOTS });
  });

  afterAll(async () => {
    await result?.cleanup();
  });

  it('starts each IDE at a fixed address on its own network, where the report asks it', () => {
    expect(result.exitCode, result.stderr).toBe(0);
    for (const slot of SLOTS) {
      const run = dockerRun(result.calls, `dev-${slot}`)?.args ?? [];
      expect([optionValue(run, '--network'), optionValue(run, '--ip')]).toEqual([`team-ide-slot-${slot}`, `172.17.${slot}.10`]);
    }
  });

  it('installs the report as a timer every minute, started before the boot signals success', async () => {
    // Prepare
    const systemctl = result.calls.filter((call) => call.command === 'systemctl').map((call) => call.args.join(' '));
    const order = result.calls.map((call) => (call.command === 'curl' && call.args.includes('PUT') ? 'signal' : `${call.command} ${call.args.join(' ')}`));

    // Assess
    expect(systemctl).toEqual(['enable --now docker', 'daemon-reload', 'enable --now team-ide-seats.timer']);
    expect(order.indexOf('systemctl enable --now team-ide-seats.timer')).toBeLessThan(order.indexOf('signal'));
    expect(await readHostFile(result, 'etc/team-ide/seat-report.env')).toBe(
      `SEATS_PARAMETER=${REPORT}\nSEAT_ADDRESSES=1=172.17.1.10:8080 2=172.17.2.10:8080 5=172.17.5.10:8080\nAWS_REGION=${SAMPLE.region}\n`,
    );
    const service = await readHostFile(result, 'etc/systemd/system/team-ide-seats.service');
    expect(service).toContain('Type=oneshot\nEnvironmentFile=/etc/team-ide/seat-report.env\nExecStart=/bin/bash /opt/team-ide/seat-report.sh\n');
    expect(await readHostFile(result, 'etc/systemd/system/team-ide-seats.timer')).toContain('[Timer]\nOnActiveSec=0\nOnUnitActiveSec=60\n');
    expect(result.stdout).toContain('step start-seat-reports');
  });

  it('reports each seat as its code-server answers /healthz, and one that does not answer as unreachable', async () => {
    // Act: dev-1 has a browser connected, dev-2 was never opened, dev-5 does not answer.
    const report = await result.runSeatReport({ '172.17.1.10:8080': 'alive:1764320000000', '172.17.2.10:8080': 'expired:0' });

    // Assess
    expect(report.exitCode, report.stderr).toBe(0);
    expect(JSON.parse(report.value ?? '')).toEqual({
      seats: [
        { slot: 1, status: 'alive', lastHeartbeat: 1764320000000 },
        { slot: 2, status: 'expired', lastHeartbeat: 0 },
        { slot: 5, status: 'unreachable' },
      ],
    });
    expect(report.stdout).toBe('team-ide seats reported: dev-1:alive dev-2:expired dev-5:unreachable\n');
  });

  it('asks each IDE directly, and overwrites its run\'s report, never creating one or tagging it', async () => {
    const report = await result.runSeatReport({ '172.17.1.10:8080': 'expired:1764319000000', '172.17.2.10:8080': 'expired:0', '172.17.5.10:8080': 'alive:1764320000000' });

    const asked = report.calls.filter((call) => call.command === 'curl').map((call) => call.args.at(-1));
    const put = report.calls.find((call) => call.command === 'aws')?.args ?? [];
    expect(asked).toEqual(['http://172.17.1.10:8080/healthz', 'http://172.17.2.10:8080/healthz', 'http://172.17.5.10:8080/healthz']);
    expect(put.slice(0, 2)).toEqual(['ssm', 'put-parameter']);
    expect(optionValue(put, '--name')).toBe(REPORT);
    expect(put).toContain('--overwrite');
    expect(put).not.toContain('--tags');
    expect(optionValue(put, '--value')).toMatch(/^file:\/\//);
  });

  it('writes what the sweeper reads: the same seats, states and heartbeats', async () => {
    const report = await result.runSeatReport({ '172.17.1.10:8080': 'expired:1764319000000', '172.17.2.10:8080': 'alive:1764320000000' });

    expect([...parseSeatReport(report.value ?? '', [1, 2, 5])]).toEqual([
      [1, { status: 'expired', lastHeartbeat: new Date(1764319000000) }],
      [2, { status: 'alive', lastHeartbeat: new Date(1764320000000) }],
      [5, { status: 'unreachable' }],
    ]);
  });

  it('fails, saying why, when SSM refuses the write: the timer runs it again a minute later', async () => {
    const report = await result.runSeatReport({ '172.17.1.10:8080': 'alive:1764320000000' }, { fail: 'ssm-put' });

    expect(report.exitCode).not.toBe(0);
    expect(report.stderr).toContain('AccessDeniedException');
  });
});
