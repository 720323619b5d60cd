/** What every device command needs: see protocol/host/host-devices.ts (shared with the daemon). */
export { chooseTransport, hostDevices as deviceContext, wifiRecordsDir, type HostDevices as DeviceContext } from '../protocol/host/host-devices.js';
