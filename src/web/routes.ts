/** The dashboard's API: one module per page's needs. */
import { registerAdviseRoutes } from './api/advise.js';
import { registerContentRoutes } from './api/content.js';
import { registerDeviceRoutes } from './api/devices.js';
import { registerDoctorRoutes } from './api/doctor.js';
import { registerEventRoutes } from './api/events.js';
import { registerRemoteRoutes } from './api/remotes.js';
import { registerSettingsRoutes } from './api/settings.js';
import { registerSnapshotRoutes } from './api/snapshots.js';
import type { DashboardContext } from './context.js';
import type { Router } from './http.js';

export function registerRoutes(router: Router, ctx: DashboardContext): void {
  registerDeviceRoutes(router, ctx);
  registerEventRoutes(router, ctx);
  registerSnapshotRoutes(router, ctx);
  registerRemoteRoutes(router, ctx);
  registerContentRoutes(router, ctx);
  registerDoctorRoutes(router, ctx);
  registerSettingsRoutes(router, ctx);
  registerAdviseRoutes(router, ctx);
}
