import { App } from 'aws-cdk-lib';
import { addPolkuStacks } from '../lib/app.ts';

const app = new App();
addPolkuStacks(app);
app.synth();
