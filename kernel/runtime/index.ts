/*
 * The runtime's entry: the builder's generated entry imports this module
 * first, so the globals (Promise, Map, timers, TextEncoder, console, crypto,
 * …) exist before any other module is evaluated.
 */
import './install';
import { crash } from './loop';

/* The bundle's footer calls this for an error thrown while its modules were
 * evaluated (an app throwing at top level), so it is reported like any other. */
(globalThis as unknown as { __nymote_fatal: (err: unknown) => never }).__nymote_fatal = (err: unknown) => crash(err);
