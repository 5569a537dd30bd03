import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseSeatReport, readSeatReport, seatReportName } from '../../../shared/idle/seat-report';

const ssm = mockClient(SSMClient);

describe('parseSeatReport', () => {
  it('reads each seat of the run: code-server\'s status and last heartbeat (0: never)', () => {
    const seats = parseSeatReport(
      '{"seats":[{"slot":1,"status":"alive","lastHeartbeat":1764320000000},{"slot":2,"status":"expired","lastHeartbeat":0},{"slot":5,"status":"unreachable"}]}',
      [1, 2, 5],
    );

    expect([...seats]).toEqual([
      [1, { status: 'alive', lastHeartbeat: new Date(1764320000000) }],
      [2, { status: 'expired' }],
      [5, { status: 'unreachable' }],
    ]);
  });

  it('leaves out what it cannot trust: seats not in the run, unknown statuses, heartbeats that are not times', () => {
    const seats = parseSeatReport(
      '{"seats":[{"slot":7,"status":"alive"},{"slot":1,"status":"busy"},{"slot":2,"status":"expired","lastHeartbeat":"yesterday"},{"slot":"5","status":"alive"},null]}',
      [1, 2, 5],
    );

    expect([...seats]).toEqual([[2, { status: 'expired' }]]);
  });

  it('reads nothing from a value that is not a report', () => {
    expect(parseSeatReport('not json', [1]).size).toBe(0);
    expect(parseSeatReport('{"seats":{}}', [1]).size).toBe(0);
    expect(parseSeatReport('null', [1]).size).toBe(0);
  });
});

describe('readSeatReport', () => {
  beforeEach(() => ssm.reset());

  it('reads the run\'s parameter, with the time SSM took the report', async () => {
    const name = seatReportName('team-ide-test-ides', 'run-1');
    ssm.on(GetParameterCommand, { Name: '/team-ide-test-ides/run-1/seats' }).resolves({ Parameter: { Value: '{"seats":[{"slot":1,"status":"alive"}]}', LastModifiedDate: new Date('2026-11-28T10:00:00Z') } });

    const report = await readSeatReport(new SSMClient({}), name, [1]);

    expect(report?.receivedAt).toEqual(new Date('2026-11-28T10:00:00Z'));
    expect(report?.seats.get(1)).toEqual({ status: 'alive' });
  });

  it('answers undefined for a run without a report parameter', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    expect(await readSeatReport(new SSMClient({}), '/x/run-1/seats', [1])).toBeUndefined();
  });
});
