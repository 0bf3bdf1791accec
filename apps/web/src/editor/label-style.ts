// How an object looks in the graph view: the synthetic vocabulary's colour and shape words,
// and a neutral style for any other vocabulary.

const COLOURS: Record<string, string> = {
  red: '#e53935',
  green: '#43a047',
  blue: '#1e88e5',
  yellow: '#fdd835',
  purple: '#8e24aa',
  orange: '#fb8c00',
  cyan: '#00acc1',
  white: '#fafafa',
  sky: '#90caf9',
  grass: '#7cb342',
  water: '#1565c0',
  sand: '#e6cf8b',
};

export type NodeShape = 'circle' | 'square' | 'triangle' | 'stuff';

export interface LabelStyle {
  fill: string;
  shape: NodeShape;
}

export function labelStyle(label: string): LabelStyle {
  const words = label.toLowerCase().split(/\s+/);
  const fill = words.map((w) => COLOURS[w]).find(Boolean) ?? '#b0bec5';
  const last = words[words.length - 1];
  const shape: NodeShape =
    last === 'circle' || last === 'square' || last === 'triangle' ? last : 'stuff';
  return { fill, shape };
}
