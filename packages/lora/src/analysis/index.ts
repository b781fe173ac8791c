/** The paper's Section 7 analyses: subspace similarity of adapters and amplification of W. */
export {
  type AmplificationInput,
  type AmplificationOptions,
  type AmplificationReport,
  amplification,
  layerAmplification,
} from './amplification.js';
export type { MatrixLike } from './dense.js';
export {
  adapterSubspaceSimilarityGrid,
  gridValue,
  type LowRankFactors,
  type SubspaceBasis,
  type SubspaceGrid,
  subspaceSimilarity,
  subspaceSimilarityGrid,
} from './subspace.js';
