module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'scene-graph',
};
