import { ParameterAlreadyExists, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * Creates the String parameter unless it exists: true when this call created it. SSM has no
 * compare-and-swap, but PutParameter with `Overwrite: false` creates a name only one caller can
 * create, which makes it the claim of a step that must happen once, and a fact written once.
 */
export async function putIfAbsent(ssm: SSMClient, name: string, value: string, description: string): Promise<boolean> {
  try {
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: false, Description: description }));
    return true;
  } catch (error) {
    if (error instanceof ParameterAlreadyExists) return false;
    throw error;
  }
}
