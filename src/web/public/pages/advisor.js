// The setup advisor: a few questions, then a recommended policy to apply (shown once the server
// offers /api/advise).
import { api, ApiError } from '../app.js';

export async function advisor() {
  try {
    await api('/api/advise/questions');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  return null;
}
