/* What an app is: its name, the devices it needs, and main(). */
import type { DeviceNeed, Devices } from './devices';

export interface AppContext {
  /** Boot arguments not consumed by the board (e.g. `--zone FILE`). */
  readonly args: string[];
  /** The board the image runs on ("unix", "qemu-arm32", ...). */
  readonly board: string;
  /** The platform under it: "unix", "xen-arm32", "xen-x86_64" or "node". */
  readonly platform: string;
  /** The engine running the app: "Duktape 2.7.0" in an image, "Node 20.x" on the node board. */
  readonly engine: string;
}

export interface AppSpec<N extends Record<string, DeviceNeed>> {
  /** Names the image: images/<name>-<board>/. */
  name: string;
  needs?: N;
  /** Runs once at boot; a returned number (or promise of one) is the exit code. */
  main(devices: Devices<N>, context: AppContext): void | number | Promise<void | number>;
}

export const defineApp = <N extends Record<string, DeviceNeed> = {}>(spec: AppSpec<N>): AppSpec<N> => spec;
