import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Runs a conditional DynamoDB write: true if it was applied, false if its condition did not hold. Any
 * other failure is thrown. Every store makes its writes conditional, so this is the one place that tells
 * "someone else got there first" apart from an error.
 */
export async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}
