// The project's seeded PRNG lives in @sgdiff/scene-graph (the common leaf).
export { Rng } from '@sgdiff/scene-graph';
