// cdk-nag is CommonJS whose exports Node cannot all detect statically; take them from the default export.
import cdkNag from 'cdk-nag';

export const { AwsSolutionsChecks } = cdkNag;
