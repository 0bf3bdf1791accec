/** RGB of each synthetic colour: saturated and far apart, so a small CNN tells them apart. */
export const THING_RGB: Record<string, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 185, 60],
  blue: [40, 80, 225],
  yellow: [245, 220, 40],
  purple: [150, 60, 195],
  orange: [245, 140, 30],
  cyan: [40, 215, 225],
  white: [248, 248, 248],
};

/** Stuff is muted, so saturated things stand out on any band. */
export const STUFF_RGB: Record<string, readonly [number, number, number]> = {
  sky: [170, 205, 235],
  grass: [112, 140, 84],
  water: [62, 98, 146],
  sand: [212, 192, 142],
};

/** Every thing has a dark outline, which keeps e.g. a green shape visible on grass. */
export const OUTLINE_RGB: readonly [number, number, number] = [24, 24, 24];
