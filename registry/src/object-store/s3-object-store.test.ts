import { describeObjectStoreContract } from './object-store.contract.js';
import { startS3rver } from './s3rver.fixture.js';

describeObjectStoreContract('S3ObjectStore (s3rver)', startS3rver);
