import { beforeAll } from 'vitest';
import { registerGpujsBackend } from '../src/gpujs.js';
import { describeConformance } from './conformance/suite.js';

beforeAll(async () => {
  await registerGpujsBackend({ mode: 'webasm' });
});

describeConformance('gpujs:webasm');
