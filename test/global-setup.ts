/* Builds the kernel once before any test builds an image (make is not safe
 * to run from several test processes at once). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const kernel = fileURLToPath(new URL('../kernel', import.meta.url));
  execFileSync('make', ['-s', '-C', kernel, 'unix', 'host', 'arm32', 'x86_64', '-j2'], { stdio: 'inherit' });
}
