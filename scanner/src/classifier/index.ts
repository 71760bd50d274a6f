export {
  type Classification,
  type ConfusionMatrix,
  classifyDescription,
  confusionMatrix,
  formatMatrix,
  THRESHOLD,
} from './classify.js';
export {
  extractFeatures,
  FEATURES,
  type FeatureHit,
  type FeatureId,
  hiddenCharacters,
  stripHidden,
} from './features.js';
