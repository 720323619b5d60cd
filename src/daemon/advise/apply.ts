/**
 * Turning a recommendation into the configuration: the recommended policy becomes the defaults for
 * every device; what the advisor does not decide (per-device overrides, remotes, alert channels, the
 * remotes new snapshots are already copied to) is kept as it was.
 */
import type { LifeboatConfig } from '../../config/schema.js';
import type { Recommendation } from './recommend.js';

export interface ApplyOptions {
  /** A folder for the vault (on the external disk or NAS the recommendation names). */
  readonly vaultPath?: string;
}

export function applyRecommendation(config: LifeboatConfig, recommendation: Recommendation, options: ApplyOptions = {}): LifeboatConfig {
  const { window: _window, ...policy } = recommendation.policy;
  return {
    ...config,
    ...(options.vaultPath ? { vaultPath: options.vaultPath } : {}),
    defaults: {
      ...policy,
      ...(recommendation.policy.window ? { window: recommendation.policy.window } : {}),
      syncRemotes: config.defaults.syncRemotes,
    },
  };
}
