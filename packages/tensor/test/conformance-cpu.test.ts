import { describeConformance } from './conformance/suite.js';

// The cpu backend's fast WebAssembly kernels against its own reference kernels.
describeConformance('cpu');
