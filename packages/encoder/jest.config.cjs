module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'encoder',
  setupFilesAfterEnv: ['<rootDir>/jest-setup.ts'],
};
