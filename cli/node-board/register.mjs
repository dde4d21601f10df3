// Registered after tsx (node --import tsx --import this), so its resolve hook runs first.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
