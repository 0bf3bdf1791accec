// The project's seeded PRNG and seed helpers live in @sgdiff/scene-graph (the common leaf).
export { Rng, deriveSeed, hashString } from '@sgdiff/scene-graph';
