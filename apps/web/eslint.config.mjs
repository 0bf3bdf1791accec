import baseConfig from '../../eslint.config.mjs';

export default [...baseConfig, { ignores: ['e2e-output', '.generated'] }];
