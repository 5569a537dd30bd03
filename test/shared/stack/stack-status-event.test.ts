import { describe, expect, it } from 'vitest';
import { parseStackId, readTeamStackStatusChange } from '../../../shared/stack/stack-status-event';
import { cloudFormationEvent, STACK_ID, STACK_UUID } from '../../helpers/run-fixtures';

describe('readTeamStackStatusChange', () => {
  it.each([
    ['create-complete', 'CREATE_COMPLETE'],
    ['rollback-in-progress', 'ROLLBACK_IN_PROGRESS'],
    ['rollback-complete', 'ROLLBACK_COMPLETE'],
    ['create-failed', 'CREATE_FAILED'],
    ['delete-complete', 'DELETE_COMPLETE'],
    ['delete-failed', 'DELETE_FAILED'],
  ])('reads %s', (name, status) => {
    const event = cloudFormationEvent(name);

    expect(readTeamStackStatusChange(event, 'team-ide-test-ides')).toEqual({
      eventId: event.id,
      stackId: STACK_ID,
      stackUuid: STACK_UUID,
      status,
      reason: (event.detail as { 'status-details': { 'status-reason': string } })['status-details']['status-reason'],
    });
  });

  it.each(['other-stack', 'resource-status-change'])('ignores %s', (name) => {
    expect(readTeamStackStatusChange(cloudFormationEvent(name), 'team-ide-test-ides')).toBeUndefined();
  });

  it('ignores statuses it does not act on, and events that are not objects', () => {
    const inProgress = cloudFormationEvent('create-complete');
    (inProgress.detail as { 'status-details': { status: string } })['status-details'].status = 'CREATE_IN_PROGRESS';

    expect(readTeamStackStatusChange(inProgress, 'team-ide-test-ides')).toBeUndefined();
    expect(readTeamStackStatusChange(null, 'team-ide-test-ides')).toBeUndefined();
    expect(readTeamStackStatusChange({ 'detail-type': 'CloudFormation Stack Status Change' }, 'team-ide-test-ides')).toBeUndefined();
  });

  it('matches the whole stack name, not a prefix of it', () => {
    expect(readTeamStackStatusChange(cloudFormationEvent('create-complete'), 'team-ide-test')).toBeUndefined();
  });
});

describe('parseStackId', () => {
  it('splits a stack id into name and uuid', () => {
    expect(parseStackId(STACK_ID)).toEqual({ stackName: 'team-ide-test-ides', stackUuid: STACK_UUID });
  });

  it('refuses what is not a stack id', () => {
    expect(parseStackId('team-ide-test-ides')).toBeUndefined();
    expect(parseStackId('arn:aws:cloudformation:eu-west-1:123456789012:stack/team-ide-test-ides/../x')).toBeUndefined();
  });
});
