import type { DoctorFetch } from '../../src/doctor/index.js';

/** The doctor's unit tests touch no network: a request answered the way a closed port answers it. */
export const refusedFetch: DoctorFetch = () =>
  Promise.reject(
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    }),
  );
