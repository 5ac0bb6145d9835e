import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Runnel, type RunnelProps } from './runnel.js';

export interface RunnelStackProps extends StackProps {
  readonly runnel?: RunnelProps;
}

/** The deployable app's one stack: a Runnel and the outputs a client needs. */
export class RunnelStack extends Stack {
  readonly runnel: Runnel;

  constructor(scope: Construct, id: string, props: RunnelStackProps = {}) {
    super(scope, id, props);
    this.runnel = new Runnel(this, 'Runnel', props.runnel);
    new CfnOutput(this, 'ApiUrl', { value: this.runnel.url, description: 'Base URL of the Runnel HTTP API (IAM auth)' });
    if (this.runnel.wakeSockets) new CfnOutput(this, 'WakeSocketUrl', { value: this.runnel.wakeSockets.url, description: 'The wake sockets of idle pull consumers (the API hands it out; IAM auth)' });
    new CfnOutput(this, 'BucketName', { value: this.runnel.bucket.bucketName });
    new CfnOutput(this, 'TopicsTableName', { value: this.runnel.topicsTable.tableName });
    new CfnOutput(this, 'LogTableName', { value: this.runnel.logTable.tableName });
    new CfnOutput(this, 'GroupsTableName', { value: this.runnel.groupsTable.tableName });
  }
}
